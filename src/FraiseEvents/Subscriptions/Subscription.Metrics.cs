using FraiseEvents.Diagnostics;

namespace FraiseEvents.Subscriptions;

/// <summary>The subscription's instruments on its store's meter (see <see cref="ConsumerMetrics"/>); nothing when the store has none.</summary>
public sealed partial class Subscription
{
    private ConsumerMetrics? _metrics;
    private KeyValuePair<string, object?>[] _metricTags = [];

    private void AttachMetrics(IEventStore store)
    {
        var telemetry = (store as IInstrumentedEventStore)?.Telemetry;
        _metrics = telemetry?.Metrics?.Consumers;
        _metricTags = telemetry?.ConsumerTags(ConsumerMetrics.SubscriptionTag, Name) ?? [];
    }

    private void CountHandled() => _metrics?.SubscriptionEvents.Add(1, _metricTags);

    private void CountFault(SubscriptionFault fault)
    {
        if (_metrics is not null)
        {
            ConsumerMetrics.CountFault(_metrics.SubscriptionErrors, _metricTags, fault.Error);
        }
    }

    /// <summary>Reports the gauges from the latest status while a run exists (running or faulted), until it is stopped.</summary>
    private void RegisterGauges() => _metrics?.Register(this, ConsumerKind.Subscription, _metricTags, () =>
    {
        var status = _status;
        return new ConsumerReading(status.EventsBehind, status.TimeBehind, ConsumerReading.StateName(status.State));
    });

    private void UnregisterGauges() => _metrics?.Unregister(this);
}
