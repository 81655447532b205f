namespace FraiseEvents.Projections;

/// <summary>
/// One batch of an async projection: what it writes (documents for a document projection, statements
/// for a SQL projection) and the checkpoint's compare-and-set from <see cref="Expected"/> to
/// <see cref="Next"/>, committed together.
/// </summary>
internal sealed record ProjectionBatch(IProjection Projection, string CheckpointName, LogPosition Expected, LogPosition Next,
    Guid? LastEventId, IReadOnlyList<DocumentWrite> Documents, IReadOnlyList<ProjectionStatement> Statements);
