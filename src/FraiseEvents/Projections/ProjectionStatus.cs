namespace FraiseEvents.Projections;

/// <summary>A snapshot of where one async projection is; <see cref="ProjectionDaemon.GetStatus"/> gives the latest.</summary>
public sealed class ProjectionStatus
{
    internal ProjectionStatus(string name, ProjectionState state, LogPosition position, long eventsApplied, ProjectionFault? fault)
    {
        Name = name;
        State = state;
        Position = position;
        EventsApplied = eventsApplied;
        Fault = fault;
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
    /// How many events are recorded as dead letters (<see cref="ProjectionFailurePolicy.DeadLetter"/>),
    /// as the store held them when this run started, plus those this run added. 0 before the first batch.
    /// </summary>
    public long DeadLettered { get; internal init; }

    /// <summary>How many keys are parked (<see cref="ProjectionFailurePolicy.ParkKey"/>), counted as <see cref="DeadLettered"/> is.</summary>
    public int ParkedKeys { get; internal init; }

    /// <summary>The error of the latest event set aside (type and message); null when none is recorded.</summary>
    public string? LastError { get; internal init; }

    /// <inheritdoc />
    public override string ToString() => Fault is null ? $"{Name}: {State} at {Position}" : $"{Name}: {State}: {Fault.Message}";
}
