namespace FraiseEvents.Projections;

/// <summary>
/// A read model built from events. Write one by deriving from <see cref="DocumentProjection{TDocument}"/>
/// (a C# document per key, folded from events) or <see cref="SqlProjection"/> (your own SQL statements
/// run in the append's transaction), and register it with <c>options.Projections.Add(...)</c> or
/// <c>AddProjection&lt;T&gt;()</c> on the DI builder.
/// </summary>
public interface IProjection
{
    /// <summary>
    /// The projection's stable name: 1 to 50 characters of <c>a-z</c>, <c>0-9</c> and <c>_</c>, starting
    /// with a letter. A document projection's table is <c>proj_&lt;name&gt;</c> and its view <c>v_&lt;name&gt;</c>.
    /// </summary>
    string Name { get; }

    /// <summary>When the projection runs: in the append's transaction, or later from the global log.</summary>
    ProjectionLifecycle Lifecycle { get; }

    /// <summary>The event types the projection handles; events of other types pass it by.</summary>
    IReadOnlyCollection<Type> EventTypes { get; }
}
