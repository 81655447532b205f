using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FraiseEvents.Diagnostics;

/// <summary>
/// What one store reports: its spans' common attributes, whether stream ids may be recorded, and
/// its instruments. Every method returns at once when no one listens, so callers check
/// <see cref="AppendsObserved"/> or <see cref="ReadsObserved"/> first and otherwise skip even the
/// timestamp.
/// </summary>
/// <remarks>
/// Failures are recorded as <c>error.type</c> (the exception's type) and the SQLSTATE, never with
/// the exception's message: messages name stream ids, which are recorded only when
/// <see cref="RecordStreamIds"/> allows it.
/// </remarks>
internal sealed class StoreTelemetry : IDisposable
{
    /// <summary>For stores that report nothing of their own: spans without database attributes, and no measurements.</summary>
    public static readonly StoreTelemetry Unattributed = new(dbSystem: null, dbNamespace: null, serverAddress: null, serverPort: null,
        recordStreamIds: false, metrics: null);

    private readonly KeyValuePair<string, object?>[] _common;
    private readonly KeyValuePair<string, object?>[] _metricTags;

    public StoreTelemetry(string? dbSystem, string? dbNamespace, string? serverAddress, int? serverPort, bool recordStreamIds,
        FraiseEventsMetrics? metrics)
    {
        DbNamespace = dbNamespace;
        RecordStreamIds = recordStreamIds;
        Metrics = metrics;
        var common = new List<KeyValuePair<string, object?>>(4);
        AddIfSet(common, TelemetryTags.DbSystemName, dbSystem);
        AddIfSet(common, TelemetryTags.DbNamespace, dbNamespace);
        AddIfSet(common, TelemetryTags.ServerAddress, serverAddress);
        AddIfSet(common, TelemetryTags.ServerPort, serverPort);
        _common = [.. common];
        _metricTags = [.. common.Where(t => t.Key is TelemetryTags.DbSystemName or TelemetryTags.DbNamespace)];
    }

    public string? DbNamespace { get; }

    public bool RecordStreamIds { get; }

    public FraiseEventsMetrics? Metrics { get; }

    private static ActivitySource Source => FraiseEventsActivitySource.Instance;

    /// <summary>A consumer's measurement attributes: the store's (database system and namespace) and the consumer's name.</summary>
    public KeyValuePair<string, object?>[] ConsumerTags(string nameTag, string name) => [.. _metricTags, new(nameTag, name)];

    public bool AppendsObserved => Source.HasListeners() || Metrics is { AppendsObserved: true };

    public bool ReadsObserved => Source.HasListeners() || Metrics is { ReadDuration.Enabled: true };

    public static bool Tracing => Source.HasListeners();

    /// <summary>
    /// Starts a span that is a child of <see cref="Activity.Current"/> (so the spans Npgsql makes
    /// for the commands of this operation nest under it), or returns null when no one samples it.
    /// The attributes are given at creation, so samplers can decide on them.
    /// </summary>
    public Activity? StartActivity(string operation, StreamId? streamId, ActivityKind kind = ActivityKind.Client)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var tags = new List<KeyValuePair<string, object?>>(_common.Length + 2);
        tags.AddRange(_common);
        tags.Add(new(TelemetryTags.DbOperationName, operation));
        if (RecordStreamIds && streamId is { } id)
        {
            tags.Add(new(TelemetryTags.StreamId, id.ToString()));
        }

        var activity = Source.StartActivity(kind, parentContext: default, tags, name: operation);
        if (activity is not null && DbNamespace is not null)
        {
            // OpenTelemetry's span name is "{db.operation.name} {target}", the target being the namespace;
            // the operation name stays the bare operation, for code that filters on it.
            activity.DisplayName = $"{operation} {DbNamespace}";
        }

        return activity;
    }

    /// <summary>Ends the measurement of an append that stored <paramref name="events"/> events, or found them stored already.</summary>
    public void AppendSucceeded(Activity? activity, string operation, long startedAt, bool alreadyAppended, long events)
    {
        var outcome = alreadyAppended ? AppendOutcomes.AlreadyAppended : AppendOutcomes.Appended;
        activity?.SetTag(TelemetryTags.AppendOutcome, outcome);
        activity?.SetTag(TelemetryTags.EventCount, events);
        if (Metrics is not { AppendsObserved: true } metrics)
        {
            return;
        }

        var tags = MetricTags(operation);
        if (alreadyAppended)
        {
            metrics.IdempotentRetries.Add(1, tags);
        }
        else
        {
            metrics.EventsAppended.Add(events, tags);
        }

        tags.Add(TelemetryTags.AppendOutcome, outcome);
        metrics.Appends.Add(1, tags);
        metrics.AppendDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, tags);
    }

    public void AppendFailed(Activity? activity, string operation, long startedAt, Exception exception)
    {
        var outcome = AppendOutcomes.Of(exception);
        activity?.SetTag(TelemetryTags.AppendOutcome, outcome);
        Failed(activity, exception);
        if (Metrics is not { AppendsObserved: true } metrics)
        {
            return;
        }

        var tags = MetricTags(operation);
        tags.Add(TelemetryTags.ErrorType, ErrorType(exception));
        if (outcome == AppendOutcomes.Conflict)
        {
            metrics.Conflicts.Add(1, tags);
        }

        tags.Add(TelemetryTags.AppendOutcome, outcome);
        metrics.Appends.Add(1, tags);
        metrics.AppendDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, tags);
    }

    /// <summary>Ends the measurement of a read; <paramref name="exception"/> is null when it succeeded.</summary>
    public void ReadEnded(Activity? activity, string operation, long startedAt, Exception? exception)
    {
        if (exception is not null)
        {
            Failed(activity, exception);
        }

        if (Metrics is not { ReadDuration.Enabled: true } metrics)
        {
            return;
        }

        var tags = MetricTags(operation);
        if (exception is not null)
        {
            tags.Add(TelemetryTags.ErrorType, ErrorType(exception));
        }

        metrics.ReadDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, tags);
    }

    /// <summary>Records how many appends natural write batching sent in one round trip.</summary>
    public void AppendBatchSent(int appends)
    {
        if (Metrics?.AppendBatchSize is { Enabled: true } histogram)
        {
            histogram.Record(appends, new TagList(_metricTags));
        }
    }

    /// <summary>Counts an aggregate load that could start from a snapshot (a hit) or had to read the whole stream (a miss).</summary>
    public void SnapshotLookedUp(bool hit, string aggregateType)
    {
        var counter = hit ? Metrics?.SnapshotHits : Metrics?.SnapshotMisses;
        if (counter is not { Enabled: true })
        {
            return;
        }

        var tags = new TagList(_metricTags) { { TelemetryTags.AggregateType, aggregateType } };
        counter.Add(1, tags);
    }

    /// <summary>Marks a span as failed, with the exception's type and, from the database, its SQLSTATE.</summary>
    public static void Failed(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        // No description: the message names stream ids, which are recorded only where allowed.
        activity.SetStatus(ActivityStatusCode.Error);
        activity.SetTag(TelemetryTags.ErrorType, ErrorType(exception));
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is DbException { SqlState: { } sqlState })
            {
                activity.SetTag(TelemetryTags.DbResponseStatusCode, sqlState);
                break;
            }
        }
    }

    public void Dispose() => Metrics?.Dispose();

    private TagList MetricTags(string operation) => new(_metricTags) { { TelemetryTags.DbOperationName, operation } };

    private static string ErrorType(Exception exception) => exception.GetType().FullName ?? exception.GetType().Name;

    private static void AddIfSet(List<KeyValuePair<string, object?>> tags, string key, object? value)
    {
        if (value is not null)
        {
            tags.Add(new(key, value));
        }
    }
}
