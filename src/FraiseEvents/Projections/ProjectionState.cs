namespace FraiseEvents.Projections;

/// <summary>What a <see cref="ProjectionDaemon"/> is doing with one async projection.</summary>
public enum ProjectionState
{
    /// <summary>Not running: the daemon is not started, or was stopped.</summary>
    Stopped = 0,

    /// <summary>
    /// Waiting for its lock: another daemon (in this process or another) runs the projection. It
    /// tries again every <see cref="ProjectionDaemonOptions.LeaseRetryInterval"/> and takes over when
    /// the holder stops or its session ends.
    /// </summary>
    Standby = 1,

    /// <summary>Running and applying events that were already in the log: the last read came back full.</summary>
    CatchingUp = 2,

    /// <summary>Running, at the visible end of the log: it polls for new events.</summary>
    Live = 3,

    /// <summary>
    /// Stopped by a failure (see <see cref="ProjectionStatus.Fault"/>), after its retries; the other
    /// projections go on. Its checkpoint is before the failing event: <see cref="ProjectionDaemon.ResumeAsync"/>
    /// continues from there after the fix.
    /// </summary>
    Faulted = 4,
}
