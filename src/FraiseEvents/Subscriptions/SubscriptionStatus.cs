namespace FraiseEvents.Subscriptions;

/// <summary>A snapshot of where a subscription is; <see cref="Subscription.Status"/> gives the latest.</summary>
public sealed class SubscriptionStatus
{
    internal SubscriptionStatus(SubscriptionState state, LogPosition position, LogPosition checkpoint, long eventsHandled, SubscriptionFault? fault)
    {
        State = state;
        Position = position;
        Checkpoint = checkpoint;
        EventsHandled = eventsHandled;
        Fault = fault;
    }

    /// <summary>Running, stopped or faulted.</summary>
    public SubscriptionState State { get; }

    /// <summary>How far it has got: after the last event handled, or read and filtered out.</summary>
    public LogPosition Position { get; }

    /// <summary>The checkpoint it last stored (or read at start); a restart continues after it.</summary>
    public LogPosition Checkpoint { get; }

    /// <summary>Events handled since it was last started.</summary>
    public long EventsHandled { get; }

    /// <summary>Why it stopped, when <see cref="State"/> is <see cref="SubscriptionState.Faulted"/>; otherwise null.</summary>
    public SubscriptionFault? Fault { get; }

    /// <inheritdoc />
    public override string ToString() => Fault is null ? $"{State} at {Position} (checkpoint {Checkpoint})" : $"{State}: {Fault.Message}";
}
