namespace FraiseEvents.Projections;

/// <summary>
/// Where a <see cref="SqlProjection"/> puts its statements: they run in the append's own
/// transaction, after the events are written, and commit with them or not at all.
/// </summary>
public interface IProjectionWriter
{
    /// <summary>
    /// Adds a statement, with positional parameters <c>$1</c>, <c>$2</c>, … bound to
    /// <paramref name="parameters"/> in order (never format values into the text). Statements run in
    /// the order they are added; tables without a schema are looked up in the store's schema first.
    /// </summary>
    /// <param name="sql">One SQL statement, for example <c>SELECT update_user_projection($1)</c>.</param>
    /// <param name="parameters">The values of <c>$1</c>, <c>$2</c>, …; null is SQL NULL.</param>
    void Execute(string sql, params object?[] parameters);
}
