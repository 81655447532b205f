using System.Diagnostics.Metrics;

namespace FraiseEvents.Diagnostics;

/// <summary>
/// The instruments of the <c>FraiseEvents</c> meter. A store owns one: from the application's
/// <see cref="IMeterFactory"/> when it has one (the factory then owns the meter, and tests can
/// tell one container's measurements from another's), otherwise a meter of its own, disposed with
/// the store. Never a static meter, so two stores in one process stay independent.
/// </summary>
internal sealed class FraiseEventsMetrics : IDisposable
{
    // The bucket boundaries OpenTelemetry advises for db.client.operation.duration, in seconds.
    private static readonly InstrumentAdvice<double> DurationAdvice = new()
    {
        HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
    };

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public FraiseEventsMetrics(IMeterFactory? meterFactory)
    {
        var options = new MeterOptions(FraiseEventsTelemetry.MeterName) { Version = FraiseEventsTelemetry.Version };
        _meter = meterFactory?.Create(options) ?? new Meter(options);
        _ownsMeter = meterFactory is null;

        Appends = _meter.CreateCounter<long>("fraiseevents.appends", "{append}",
            "Appends, by outcome: appended, already_appended (an idempotent retry), conflict or failed.");
        AppendDuration = _meter.CreateHistogram("fraiseevents.append.duration", "s",
            "How long appends took, by outcome, from the call to the database's answer.", advice: DurationAdvice);
        EventsAppended = _meter.CreateCounter<long>("fraiseevents.events.appended", "{event}",
            "Events written by appends and bulk imports (not counting idempotent retries, which write nothing).");
        Conflicts = _meter.CreateCounter<long>("fraiseevents.append.conflicts", "{conflict}",
            "Appends refused because of a concurrent writer, a reused event id or another stream type; error.type says which.");
        IdempotentRetries = _meter.CreateCounter<long>("fraiseevents.append.idempotent_retries", "{append}",
            "Appends whose events were already stored: retries after a lost reply, answered without writing twice.");
        AppendBatchSize = _meter.CreateHistogram<int>("fraiseevents.append.batch.size", "{append}",
            "Appends sent in one round trip and transaction by natural write batching (1: an append that found none in flight and went alone).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });
        ReadDuration = _meter.CreateHistogram("fraiseevents.read.duration", "s",
            "How long reads took: a stream or the global log until the last event was read, or a snapshot.", advice: DurationAdvice);
        SnapshotHits = _meter.CreateCounter<long>("fraiseevents.snapshot.hits", "{load}",
            "Aggregate loads that started from a snapshot.");
        SnapshotMisses = _meter.CreateCounter<long>("fraiseevents.snapshot.misses", "{load}",
            "Aggregate loads with a snapshot policy that found no usable snapshot and read the stream from its start.");
        Consumers = new ConsumerMetrics(_meter);
    }

    /// <summary>The async projections' and subscriptions' instruments.</summary>
    public ConsumerMetrics Consumers { get; }

    public Counter<long> Appends { get; }

    public Histogram<double> AppendDuration { get; }

    public Counter<long> EventsAppended { get; }

    public Counter<long> Conflicts { get; }

    public Counter<long> IdempotentRetries { get; }

    public Histogram<int> AppendBatchSize { get; }

    public Histogram<double> ReadDuration { get; }

    public Counter<long> SnapshotHits { get; }

    public Counter<long> SnapshotMisses { get; }

    /// <summary>True when any append instrument has a listener: appends skip their bookkeeping otherwise.</summary>
    public bool AppendsObserved => Appends.Enabled || AppendDuration.Enabled || EventsAppended.Enabled || Conflicts.Enabled || IdempotentRetries.Enabled;

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
