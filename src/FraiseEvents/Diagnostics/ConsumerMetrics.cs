using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FraiseEvents.Diagnostics;

/// <summary>
/// The instruments of the log's consumers (async projections and subscriptions) on the store's
/// meter. Counters are added to as events are applied; the gauges are observed: each running
/// consumer registers a reading of its latest status while it runs, so that a collection reports
/// every consumer of the store at once without the consumers doing anything per collection.
/// </summary>
internal sealed class ConsumerMetrics
{
    public const string ProjectionTag = "fraiseevents.projection.name";
    public const string SubscriptionTag = "fraiseevents.subscription.name";
    public const string StateTag = "fraiseevents.consumer.state";

    private readonly ConcurrentDictionary<object, ConsumerReader> _consumers = new(ReferenceEqualityComparer.Instance);

    public ConsumerMetrics(Meter meter)
    {
        ProjectionEvents = meter.CreateCounter<long>("fraiseevents.projection.events", "{event}",
            "Events of the log an async projection applied (committed with its checkpoint), handled by the projection or not.");
        ProjectionErrors = meter.CreateCounter<long>("fraiseevents.projection.errors", "{fault}",
            "Async projections that stopped faulted after their retries; error.type names the exception's type.");
        SubscriptionEvents = meter.CreateCounter<long>("fraiseevents.subscription.events", "{event}",
            "Events a subscription's handler handled.");
        SubscriptionErrors = meter.CreateCounter<long>("fraiseevents.subscription.errors", "{fault}",
            "Subscriptions that stopped faulted after their retries; error.type names the exception's type.");
        Gauges(meter, "projection", ConsumerKind.Projection);
        Gauges(meter, "subscription", ConsumerKind.Subscription);
    }

    public Counter<long> ProjectionEvents { get; }

    public Counter<long> ProjectionErrors { get; }

    public Counter<long> SubscriptionEvents { get; }

    public Counter<long> SubscriptionErrors { get; }

    /// <summary>Reports <paramref name="consumer"/>'s gauges from <paramref name="read"/> until <see cref="Unregister"/>.</summary>
    public void Register(object consumer, ConsumerKind kind, KeyValuePair<string, object?>[] tags, Func<ConsumerReading> read) =>
        _consumers[consumer] = new ConsumerReader(kind, tags, read);

    /// <summary>Counts one fault of a consumer: its tags and the exception's type.</summary>
    public static void CountFault(Counter<long> errors, KeyValuePair<string, object?>[] tags, Exception error)
    {
        var all = new TagList(tags) { { TelemetryTags.ErrorType, error.GetType().FullName } };
        errors.Add(1, all);
    }

    public void Unregister(object consumer) => _consumers.TryRemove(consumer, out _);

    private void Gauges(Meter meter, string prefix, ConsumerKind kind)
    {
        meter.CreateObservableGauge($"fraiseevents.{prefix}.lag.events",
            () => Observe<long>(kind, r => r.EventsBehind), "{event}",
            $"About how many events of the log are after the {prefix}'s position (see its status' EventsBehind); refreshed at most once a second.");
        meter.CreateObservableGauge($"fraiseevents.{prefix}.lag.seconds",
            () => Observe<double>(kind, r => r.TimeBehind?.TotalSeconds), "s",
            $"How long ago the oldest event the {prefix} has not read yet was appended (see its status' TimeBehind); 0 when it has read them all.");
        meter.CreateObservableGauge($"fraiseevents.{prefix}.state",
            () => ObserveState(kind), "{state}",
            $"1 for the state the {prefix} is in (fraiseevents.consumer.state: stopped, standby, catching_up, live or faulted) in this process.");
    }

    private IEnumerable<Measurement<T>> Observe<T>(ConsumerKind kind, Func<ConsumerReading, T?> value)
        where T : struct
    {
        foreach (var consumer in _consumers.Values)
        {
            if (consumer.Kind == kind && value(consumer.Read()) is { } measured)
            {
                yield return new Measurement<T>(measured, consumer.Tags);
            }
        }
    }

    private IEnumerable<Measurement<int>> ObserveState(ConsumerKind kind)
    {
        foreach (var consumer in _consumers.Values)
        {
            if (consumer.Kind == kind)
            {
                yield return new Measurement<int>(1, new TagList(consumer.Tags) { { StateTag, consumer.Read().State } });
            }
        }
    }

    private sealed record ConsumerReader(ConsumerKind Kind, KeyValuePair<string, object?>[] Tags, Func<ConsumerReading> Read);
}
