namespace FraiseEvents.Projections;

/// <summary>
/// A projection that writes with your own SQL: for every append that carries events it handles,
/// <see cref="ProjectAsync"/> adds statements (an upsert into a table of yours, or a call such as
/// <c>SELECT update_user_projection($1)</c>) that run in the append's own transaction, after its
/// events are written. They commit with the events or not at all; one that fails fails the append
/// with <see cref="ProjectionFailedException"/>.
/// </summary>
/// <remarks>
/// An <see cref="ProjectionLifecycle.Async"/> SQL projection's statements run instead in the
/// transaction of a <see cref="ProjectionDaemon"/> batch, with the projection's checkpoint, and
/// <see cref="ProjectAsync"/> is called once per run of consecutive handled events of one stream in
/// the batch (in practice once per append); a failure is retried, then faults the projection.
/// The in-memory store runs <see cref="ProjectAsync"/> too (so its exceptions fail appends the same
/// way) but has no database to run the statements in: it discards them.
/// </remarks>
public abstract class SqlProjection : IProjection
{
    private readonly HashSet<Type> _eventTypes = [];

    /// <summary>Creates the projection.</summary>
    /// <param name="name">The projection's stable name (see <see cref="IProjection.Name"/>).</param>
    /// <param name="lifecycle">
    /// When it runs: <see cref="ProjectionLifecycle.Inline"/> (the default) in the append's transaction, or
    /// <see cref="ProjectionLifecycle.Async"/> from the global log, run by a <see cref="ProjectionDaemon"/>.
    /// </param>
    protected SqlProjection(string name, ProjectionLifecycle lifecycle = ProjectionLifecycle.Inline)
    {
        Name = name;
        Lifecycle = lifecycle;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public ProjectionLifecycle Lifecycle { get; }

    /// <inheritdoc />
    public IReadOnlyCollection<Type> EventTypes => _eventTypes;

    /// <summary>
    /// Adds the statements for the handled events of one append, given in stream order. Called
    /// only when the append carries at least one of them.
    /// </summary>
    /// <param name="events">The appended events this projection handles.</param>
    /// <param name="writer">Takes the statements, run in the append's transaction.</param>
    /// <param name="cancellationToken">Cancels before the append is sent.</param>
    public abstract ValueTask ProjectAsync(IReadOnlyList<ProjectedEvent> events, IProjectionWriter writer,
        CancellationToken cancellationToken);

    /// <summary>Declares an event type this projection handles (call it in the constructor).</summary>
    protected void Handles<TEvent>() where TEvent : class => _eventTypes.Add(typeof(TEvent));

    /// <summary>Declares an event type this projection handles (call it in the constructor).</summary>
    protected void Handles(Type eventType)
    {
        ArgumentNullException.ThrowIfNull(eventType);
        _eventTypes.Add(eventType);
    }
}
