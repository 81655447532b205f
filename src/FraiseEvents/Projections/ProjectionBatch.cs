namespace FraiseEvents.Projections;

/// <summary>
/// One batch of an async projection: what it writes (documents for a document projection, statements
/// for a SQL projection) and the checkpoint's compare-and-set from <see cref="Expected"/> to
/// <see cref="Next"/>, committed together.
/// </summary>
internal sealed record ProjectionBatch(IProjection Projection, string CheckpointName, LogPosition Expected, LogPosition Next,
    Guid? LastEventId, IReadOnlyList<DocumentWrite> Documents, IReadOnlyList<ProjectionStatement> Statements)
{
    /// <summary>Events set aside by the projection's failure policy, recorded with the batch (see <see cref="IDeadLetterStore"/>).</summary>
    public IReadOnlyList<ProjectionDeadLetter> SetAside { get; init; } = [];

    /// <summary>Ids of set-aside events this batch replayed: removed from the record with the batch.</summary>
    public IReadOnlyList<Guid> Released { get; init; } = [];

    /// <summary>A replay: the checkpoint is neither checked nor moved (the replayer holds the projection's lock).</summary>
    public bool KeepsCheckpoint { get; init; }
}
