namespace FraiseEvents.Projections;

/// <summary>
/// The projections of a store (<c>options.Projections</c>). They are checked when the store is
/// created: unique names, handled event types that are registered, at least one handler each.
/// </summary>
public sealed class ProjectionRegistry
{
    private readonly List<IProjection> _projections = [];

    /// <summary>The projections added, in order.</summary>
    public IReadOnlyList<IProjection> All => _projections;

    /// <summary>Adds a projection.</summary>
    public ProjectionRegistry Add(IProjection projection)
    {
        ArgumentNullException.ThrowIfNull(projection);
        _projections.Add(projection);
        return this;
    }

    /// <summary>Adds a projection created with its parameterless constructor.</summary>
    public ProjectionRegistry Add<TProjection>() where TProjection : IProjection, new() => Add(new TProjection());
}
