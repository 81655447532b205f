using FraiseEvents.Projections;

namespace FraiseEvents.InMemory;

/// <summary>
/// Rebuilds in memory: the shadow is a second document set in the store's storage, under a key no
/// projection name can take, and the swap exchanges the two sets and the checkpoints under the store's lock.
/// </summary>
public sealed partial class InMemoryEventStore : IProjectionRebuildStore
{
    /// <summary>Whether a rebuild's shadow of the projection exists (for tests).</summary>
    internal bool HasRebuildShadow(string projectionName)
    {
        lock (_storage.Lock)
        {
            return _storage.Documents.ContainsKey(ShadowKey(projectionName));
        }
    }

    private static string ShadowKey(string projectionName) => "\0rebuild:" + projectionName;

    private static string RebuildCheckpoint(string projectionName) => "rebuild:" + projectionName;

    Task IProjectionRebuildStore.StartRebuildAsync(IDocumentProjection projection, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_storage.Lock)
        {
            _storage.Documents[ShadowKey(projection.Name)] = new Dictionary<string, StoredDocument>(StringComparer.Ordinal);
            _storage.Checkpoints.Remove(RebuildCheckpoint(projection.Name));
        }

        return Task.CompletedTask;
    }

    Task<IReadOnlyDictionary<(string, string), StoredDocument?>> IProjectionRebuildStore.ReadRebuildDocumentsAsync(
        IDocumentProjection projection, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var read = new Dictionary<(string, string), StoredDocument?>();
        lock (_storage.Lock)
        {
            _storage.Documents.TryGetValue(ShadowKey(projection.Name), out var documents);
            foreach (var key in keys)
            {
                read[(projection.Name, key)] = documents?.GetValueOrDefault(key);
            }
        }

        return Task.FromResult<IReadOnlyDictionary<(string, string), StoredDocument?>>(read);
    }

    Task<bool> IProjectionRebuildStore.CommitRebuildBatchAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_storage.Lock)
        {
            if (_storage.Checkpoints.GetValueOrDefault(batch.CheckpointName) != batch.Expected
                || !_storage.Documents.TryGetValue(ShadowKey(batch.Projection.Name), out var shadow))
            {
                return Task.FromResult(false);
            }

            foreach (var write in batch.Documents)
            {
                var revision = shadow.TryGetValue(write.Key, out var current) ? current.Revision : 0;
                shadow[write.Key] = new StoredDocument(write.Data, revision + 1, write.Deleted);
            }

            _storage.Checkpoints[batch.CheckpointName] = batch.Next;
        }

        return Task.FromResult(true);
    }

    Task<bool> IProjectionRebuildStore.SwapRebuildAsync(IDocumentProjection projection, LogPosition live, LogPosition rebuilt,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var name = projection.Name;
        lock (_storage.Lock)
        {
            if (_storage.Checkpoints.GetValueOrDefault(ProjectionRunner.CheckpointNameOf(name)) != live
                || _storage.Checkpoints.GetValueOrDefault(RebuildCheckpoint(name)) != rebuilt
                || !_storage.Documents.Remove(ShadowKey(name), out var shadow))
            {
                return Task.FromResult(false);
            }

            _storage.Documents[name] = shadow;
            _storage.Checkpoints[ProjectionRunner.CheckpointNameOf(name)] = rebuilt;
            _storage.Checkpoints.Remove(RebuildCheckpoint(name));
        }

        return Task.FromResult(true);
    }

    Task IProjectionRebuildStore.DropRebuildAsync(IDocumentProjection projection, CancellationToken cancellationToken)
    {
        lock (_storage.Lock)
        {
            _storage.Documents.Remove(ShadowKey(projection.Name));
            _storage.Checkpoints.Remove(RebuildCheckpoint(projection.Name));
        }

        return Task.CompletedTask;
    }
}
