using FraiseEvents.Projections;

namespace FraiseEvents;

/// <summary>
/// <see cref="ProjectionDaemon.WaitForProjectionAsync"/> gave up: the async projection had not applied
/// the log up to the position asked for within the time allowed, or it is faulted and will not get
/// there until it is resumed. Names the projection, how far it got and the position it was asked to reach.
/// </summary>
public sealed class ProjectionWaitTimeoutException : FraiseEventsException
{
    internal ProjectionWaitTimeoutException(string projectionName, LogPosition reached, LogPosition target, TimeSpan timeout,
        ProjectionFault? fault)
        : base(fault is null
            ? $"Projection '{projectionName}' had applied the log up to {reached} after {timeout.TotalMilliseconds:0} ms, short of {target}, "
              + "which was asked for. Is a daemon running it (ProjectionDaemon.GetStatus), and is a long transaction holding the log back?"
            : $"Projection '{projectionName}' is faulted at {reached}, short of {target}, which was asked for: {fault.Message}", fault?.Error)
    {
        ProjectionName = projectionName;
        Reached = reached;
        Target = target;
        Fault = fault;
    }

    /// <summary>The projection waited for.</summary>
    public string ProjectionName { get; }

    /// <summary>The position it had applied when the wait ended (its checkpoint).</summary>
    public LogPosition Reached { get; }

    /// <summary>The position it was asked to reach.</summary>
    public LogPosition Target { get; }

    /// <summary>Why it is stopped, when it is faulted; otherwise null (it was only too slow).</summary>
    public ProjectionFault? Fault { get; }
}
