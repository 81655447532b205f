namespace FraiseEvents.Projections;

/// <summary>
/// Where a store keeps the events async projections set aside (<see cref="ProjectionDeadLetter"/>).
/// They are written and removed by <see cref="IAsyncProjectionStore.CommitProjectionBatchAsync"/>
/// (<see cref="ProjectionBatch.SetAside"/>, <see cref="ProjectionBatch.Released"/>), with the batch's
/// writes; these only read them.
/// </summary>
internal interface IDeadLetterStore
{
    /// <summary>Every event set aside by the projection, in log order.</summary>
    Task<IReadOnlyList<ProjectionDeadLetter>> ReadDeadLettersAsync(string projectionName, CancellationToken cancellationToken);

    /// <summary>The projection's parked keys.</summary>
    Task<IReadOnlyCollection<string>> ReadParkedKeysAsync(string projectionName, CancellationToken cancellationToken);
}
