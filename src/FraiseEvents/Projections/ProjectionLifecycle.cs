namespace FraiseEvents.Projections;

/// <summary>When a projection sees the events it handles.</summary>
public enum ProjectionLifecycle
{
    /// <summary>
    /// In the append's own transaction: the read model changes if and only if the events are
    /// stored, and shows them as soon as the append returns. A projection that throws fails the append.
    /// </summary>
    Inline = 0,

    /// <summary>
    /// After the append, from the global log, by a <see cref="ProjectionDaemon"/> (started by the host
    /// when registered with dependency injection): in batches, each committed with the projection's
    /// checkpoint in one transaction, so every event takes effect exactly once; one daemon at a time
    /// runs the projection. Appends do not wait for it: read your own write with
    /// <see cref="ProjectionDaemon.WaitForProjectionAsync"/>. A new async projection starts from the
    /// beginning of the log. See docs/async-projections.md.
    /// </summary>
    Async = 1,
}
