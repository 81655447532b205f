using FraiseEvents.Subscriptions;

namespace FraiseEvents.Projections;

/// <summary>A snapshot of where one async projection is; <see cref="ProjectionDaemon.GetStatus"/> gives the latest.</summary>
public sealed class ProjectionStatus
{
    internal ProjectionStatus(string name, ProjectionState state, LogPosition position, long eventsApplied, ProjectionFault? fault,
        SubscriptionLag? lag = null)
    {
        Name = name;
        State = state;
        Position = position;
        EventsApplied = eventsApplied;
        Fault = fault;
        EventsBehind = lag?.EventsBehind;
        TimeBehind = lag?.TimeBehind;
        HoldUp = state == ProjectionState.Live ? lag?.HoldUp : null;
    }

    /// <summary>The projection's name.</summary>
    public string Name { get; }

    /// <summary>What this daemon is doing with it.</summary>
    public ProjectionState State { get; }

    /// <summary>
    /// Its checkpoint as this daemon last committed or read it: every event of the log up to here is
    /// applied. <see cref="LogPosition.Start"/> before the daemon has read it.
    /// </summary>
    public LogPosition Position { get; }

    /// <summary>Events this daemon applied (committed) since it was started, handled by the projection or not.</summary>
    public long EventsApplied { get; }

    /// <summary>Why it stopped, when <see cref="State"/> is <see cref="ProjectionState.Faulted"/>; otherwise null.</summary>
    public ProjectionFault? Fault { get; }

    /// <summary>
    /// About how many events of the log are after <see cref="Position"/>, visible or not yet: the
    /// log's last global position minus the position's. Approximate, like
    /// <see cref="SubscriptionStatus.EventsBehind"/>: it counts positions that a rolled-back append
    /// took and never used. Refreshed at most once a second while this daemon runs the projection;
    /// null before the first refresh, and while it stands by, is stopped or faulted.
    /// </summary>
    public long? EventsBehind { get; }

    /// <summary>
    /// How long ago the oldest event the projection has not read yet was appended, by the store's
    /// clock: how late its read model is. Zero when it has read every committed event. Refreshed
    /// with <see cref="EventsBehind"/>; null when that is.
    /// </summary>
    public TimeSpan? TimeBehind { get; }

    /// <summary>
    /// When the projection is <see cref="ProjectionState.Live"/> but committed events wait beyond the
    /// end of the log it can see, the open transaction that holds them back (its process id,
    /// application name and age: see <see cref="LogHoldUp"/>); otherwise null.
    /// </summary>
    public LogHoldUp? HoldUp { get; }

    /// <summary>
    /// How many events are recorded as dead letters (<see cref="ProjectionFailurePolicy.DeadLetter"/>),
    /// as the store held them when this run started, plus those this run added. 0 before the first batch.
    /// </summary>
    public long DeadLettered { get; internal init; }

    /// <summary>How many keys are parked (<see cref="ProjectionFailurePolicy.ParkKey"/>), counted as <see cref="DeadLettered"/> is.</summary>
    public int ParkedKeys { get; internal init; }

    /// <summary>The error of the latest event set aside (type and message); null when none is recorded.</summary>
    public string? LastError { get; internal init; }

    /// <inheritdoc />
    public override string ToString() => Fault is null
        ? $"{Name}: {State} at {Position}" + (HoldUp is null ? "" : $", held back by {HoldUp}")
        : $"{Name}: {State}: {Fault.Message}";
}
