namespace FraiseEvents.Projections;

/// <summary>A statement a <see cref="SqlProjection"/> added, with the projection it came from and the first event of the call that added it.</summary>
internal sealed record ProjectionStatement(string ProjectionName, ProjectedEvent FirstEvent, string Sql, object?[] Parameters)
{
    /// <summary>The first event's version, when known before it is stored.</summary>
    public StreamVersion? FirstVersion { get; init; }

    /// <summary>The first event's place in the log, for an async projection.</summary>
    public LogPosition? FirstPosition { get; init; }
}
