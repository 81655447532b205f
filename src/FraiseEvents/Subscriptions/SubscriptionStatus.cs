namespace FraiseEvents.Subscriptions;

/// <summary>A snapshot of where a subscription is; <see cref="Subscription.Status"/> gives the latest.</summary>
public sealed class SubscriptionStatus
{
    internal SubscriptionStatus(SubscriptionState state, LogPosition position, LogPosition checkpoint, long eventsHandled, SubscriptionFault? fault,
        SubscriptionLag? lag = null)
    {
        State = state;
        Position = position;
        Checkpoint = checkpoint;
        EventsHandled = eventsHandled;
        Fault = fault;
        EventsBehind = lag?.EventsBehind;
        TimeBehind = lag?.TimeBehind;
        HoldUp = state == SubscriptionState.Live ? lag?.HoldUp : null;
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

    /// <summary>
    /// About how many events of the log are after <see cref="Position"/>, visible or not yet: the
    /// log's last global position minus the position's. Approximate: it counts events the filters
    /// leave out, positions that a rolled-back append took and never used, and (while appends
    /// overlap) events already read that took a later position in an earlier transaction. Refreshed
    /// at most once a second while running; null before the first refresh and once stopped.
    /// </summary>
    public long? EventsBehind { get; }

    /// <summary>
    /// How long ago the oldest event the subscription has not read yet was appended, by the store's
    /// clock: how late it is. Zero when it has read every committed event. Refreshed with
    /// <see cref="EventsBehind"/>; null when that is.
    /// </summary>
    public TimeSpan? TimeBehind { get; }

    /// <summary>
    /// When the subscription is <see cref="SubscriptionState.Live"/> but committed events wait beyond
    /// the end of the log it can see, the open transaction that holds them back (see
    /// <see cref="LogHoldUp"/>); otherwise null.
    /// </summary>
    public LogHoldUp? HoldUp { get; }

    /// <inheritdoc />
    public override string ToString() => Fault is null
        ? $"{State} at {Position} (checkpoint {Checkpoint})" + (HoldUp is null ? "" : $", held back by {HoldUp}")
        : $"{State}: {Fault.Message}";
}
