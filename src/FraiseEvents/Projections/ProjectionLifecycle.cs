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
    /// After the append, from the global log, by a background daemon. Not available yet: a store
    /// refuses an async projection at start-up until the daemon ships.
    /// </summary>
    Async = 1,
}
