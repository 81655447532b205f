using FraiseEvents.Diagnostics;

namespace FraiseEvents.Subscriptions;

/// <summary>The subscription's instruments on its store's meter (see <see cref="ConsumerMetrics"/>); nothing when the store has none.</summary>
public sealed partial class Subscription
{
    private ConsumerMetrics? _metrics;

    private void AttachMetrics(IEventStore store) => _metrics = (store as IInstrumentedEventStore)?.Telemetry.Metrics?.Consumers;

    private void CountHandled() => _metrics?.SubscriptionEvents.Add(1, new KeyValuePair<string, object?>(ConsumerMetrics.SubscriptionTag, Name));

    private void CountFault(SubscriptionFault fault) => _metrics?.SubscriptionErrors.Add(1,
        new KeyValuePair<string, object?>(ConsumerMetrics.SubscriptionTag, Name),
        new KeyValuePair<string, object?>(TelemetryTags.ErrorType, fault.Error.GetType().FullName));

    /// <summary>Reports the gauges from the latest status while a run exists (running or faulted), until it is stopped.</summary>
    private void RegisterGauges() => _metrics?.Register(this, ConsumerKind.Subscription, Name, () =>
    {
        var status = _status;
        return new ConsumerReading(status.EventsBehind, status.TimeBehind, ConsumerReading.StateName(status.State));
    });

    private void UnregisterGauges() => _metrics?.Unregister(this);
}
