namespace FraiseEvents.Projections;

/// <summary>
/// A snapshot of one rebuild's progress; <see cref="ProjectionDaemon.GetRebuildStatus"/> gives the
/// latest (it is also logged every ten seconds while the rebuild runs).
/// </summary>
public sealed class RebuildStatus
{
    internal RebuildStatus(string projectionName, RebuildState state, LogPosition position, long eventsDone, TimeSpan elapsed,
        long? eventsLeft, Exception? error)
    {
        ProjectionName = projectionName;
        State = state;
        Position = position;
        EventsDone = eventsDone;
        Elapsed = elapsed;
        EventsPerSecond = elapsed > TimeSpan.Zero ? eventsDone / elapsed.TotalSeconds : 0;
        EstimatedTimeLeft = eventsLeft is { } left && EventsPerSecond > 0 ? TimeSpan.FromSeconds(left / EventsPerSecond) : null;
        Error = error;
    }

    /// <summary>The projection being rebuilt.</summary>
    public string ProjectionName { get; }

    /// <summary>Where the rebuild is.</summary>
    public RebuildState State { get; }

    /// <summary>The rebuild's own checkpoint (<c>rebuild:&lt;name&gt;</c>): the shadow holds every event of the log up to here.</summary>
    public LogPosition Position { get; }

    /// <summary>Events of the log folded into the shadow so far, handled by the projection or not.</summary>
    public long EventsDone { get; }

    /// <summary>Time since the rebuild started.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Events folded per second since the start; 0 before any time has passed.</summary>
    public double EventsPerSecond { get; }

    /// <summary>
    /// An estimate of the time left to reach the end of the log as it was last read, at
    /// <see cref="EventsPerSecond"/>; null before the first measurement, and after the rebuild ended.
    /// Global positions that rolled-back appends used count as events here, so it errs on the long side.
    /// </summary>
    public TimeSpan? EstimatedTimeLeft { get; }

    /// <summary>Why it failed, when <see cref="State"/> is <see cref="RebuildState.Failed"/>; otherwise null.</summary>
    public Exception? Error { get; }

    /// <inheritdoc />
    public override string ToString() => $"rebuild of {ProjectionName}: {State} at {Position}, {EventsDone} events";
}
