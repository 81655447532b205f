namespace FraiseEvents.Projections;

/// <summary>A statement a <see cref="SqlProjection"/> added, with the projection it came from.</summary>
internal sealed record ProjectionStatement(string ProjectionName, ProjectedEvent FirstEvent, string Sql, object?[] Parameters);
