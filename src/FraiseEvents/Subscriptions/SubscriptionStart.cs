namespace FraiseEvents.Subscriptions;

/// <summary>Where a subscription starts reading the global log when it is started.</summary>
public enum SubscriptionStart
{
    /// <summary>After its stored checkpoint; from the beginning of the log when it has none. The default.</summary>
    Checkpoint = 0,

    /// <summary>From the beginning of the log, whatever checkpoint is stored (which is then replaced).</summary>
    Beginning = 1,

    /// <summary>
    /// After the last event the log shows when the subscription starts: only events that become
    /// visible later are delivered. The stored checkpoint is replaced.
    /// </summary>
    Now = 2,
}
