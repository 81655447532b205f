using FraiseEvents.Serialization;
using FraiseEvents.Subscriptions;

namespace FraiseEvents.Projections;

/// <summary>
/// What a <see cref="ProjectionDaemon"/> needs of a store beyond the gap-safe log read and checkpoints:
/// its projections, the documents of one projection, a batch committed with its checkpoint in one
/// transaction, and a lock per projection so that one daemon at a time runs it. Both stores implement it.
/// </summary>
internal interface IAsyncProjectionStore : ILogPageReader, ICheckpointStore
{
    InlineProjections Projections { get; }

    EventTypeRegistry EventTypes { get; }

    /// <summary>The stored documents of <paramref name="projection"/> with these keys, keyed by (projection name, key); null where there is none.</summary>
    Task<IReadOnlyDictionary<(string, string), StoredDocument?>> ReadProjectionDocumentsAsync(IDocumentProjection projection,
        IReadOnlyList<string> keys, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the batch's documents or runs its statements and moves the checkpoint from
    /// <see cref="ProjectionBatch.Expected"/> to <see cref="ProjectionBatch.Next"/>, all in one
    /// transaction. False, with nothing written, when the checkpoint was not at the expected position.
    /// </summary>
    /// <exception cref="ProjectionFailedException">A statement of the batch failed; nothing was written.</exception>
    Task<bool> CommitProjectionBatchAsync(ProjectionBatch batch, CancellationToken cancellationToken);

    /// <summary>The projection's lock, or null when another holder has it.</summary>
    Task<IProjectionLease?> TryAcquireProjectionLeaseAsync(string projectionName, CancellationToken cancellationToken);
}
