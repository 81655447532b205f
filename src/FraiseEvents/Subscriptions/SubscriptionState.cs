namespace FraiseEvents.Subscriptions;

/// <summary>What a subscription is doing.</summary>
public enum SubscriptionState
{
    /// <summary>Not started, or stopped by <see cref="Subscription.StopAsync"/>.</summary>
    Stopped = 0,

    /// <summary>Running and reading pages of events that were already in the log: a full page was read last.</summary>
    CatchingUp = 1,

    /// <summary>Running, at the visible end of the log: it polls for new events.</summary>
    Live = 2,

    /// <summary>Stopped by a failure: see <see cref="SubscriptionStatus.Fault"/>. Start it again after the fix.</summary>
    Faulted = 3,

    /// <summary>
    /// Waiting for its lock (<see cref="SubscriptionOptions.ExclusiveLock"/>): another instance of the
    /// same name runs it. It tries again every <see cref="SubscriptionOptions.LeaseRetryInterval"/>
    /// and takes over, from the stored checkpoint, when the holder stops or its session ends.
    /// </summary>
    Standby = 4,
}
