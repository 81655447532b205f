namespace FraiseEvents.Projections;

/// <summary>
/// What a blue/green rebuild of an async document projection needs of a store: a shadow document set
/// with its own checkpoint (<c>rebuild:&lt;name&gt;</c>), written batch by batch with that checkpoint,
/// and an atomic swap of the shadow for the live documents. Both stores implement it.
/// </summary>
internal interface IProjectionRebuildStore
{
    /// <summary>An empty shadow (a previous one is dropped) and the rebuild's checkpoint at the start of the log.</summary>
    Task StartRebuildAsync(IDocumentProjection projection, CancellationToken cancellationToken);

    /// <summary>The shadow's documents with these keys, keyed by (projection name, key); null where there is none.</summary>
    Task<IReadOnlyDictionary<(string, string), StoredDocument?>> ReadRebuildDocumentsAsync(IDocumentProjection projection,
        IReadOnlyList<string> keys, CancellationToken cancellationToken);

    /// <summary>Writes the batch's documents into the shadow and moves the rebuild's checkpoint, in one transaction; false when the checkpoint moved.</summary>
    Task<bool> CommitRebuildBatchAsync(ProjectionBatch batch, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: the shadow replaces the live documents and the live checkpoint moves to
    /// <paramref name="rebuilt"/>. False, with nothing changed, when the live checkpoint is no longer
    /// at <paramref name="live"/> or the rebuild's is not at <paramref name="rebuilt"/>.
    /// </summary>
    Task<bool> SwapRebuildAsync(IDocumentProjection projection, LogPosition live, LogPosition rebuilt, CancellationToken cancellationToken);

    /// <summary>Drops the shadow and the rebuild's checkpoint; the live documents are untouched.</summary>
    Task DropRebuildAsync(IDocumentProjection projection, CancellationToken cancellationToken);
}
