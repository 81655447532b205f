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
}
