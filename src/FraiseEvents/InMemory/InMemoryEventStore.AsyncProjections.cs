using FraiseEvents.Projections;
using FraiseEvents.Serialization;

namespace FraiseEvents.InMemory;

/// <summary>
/// What a <see cref="ProjectionDaemon"/> needs: documents and the checkpoint change together under the
/// store's lock (as one PostgreSQL transaction), and a projection's lock belongs to one daemon at a
/// time among those over the same events (<see cref="Reopen"/> included).
/// </summary>
public sealed partial class InMemoryEventStore : IAsyncProjectionStore
{
    InlineProjections IAsyncProjectionStore.Projections => _projections;

    EventTypeRegistry IAsyncProjectionStore.EventTypes => _serializer.Registry;

    Task<IReadOnlyDictionary<(string, string), StoredDocument?>> IAsyncProjectionStore.ReadProjectionDocumentsAsync(
        IDocumentProjection projection, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var read = new Dictionary<(string, string), StoredDocument?>();
        lock (_storage.Lock)
        {
            _storage.Documents.TryGetValue(projection.Name, out var documents);
            foreach (var key in keys)
            {
                read[(projection.Name, key)] = documents?.GetValueOrDefault(key);
            }
        }

        return Task.FromResult<IReadOnlyDictionary<(string, string), StoredDocument?>>(read);
    }

    /// <remarks>SQL projections' statements are dropped, as for inline ones: there is no database to run them in.</remarks>
    Task<bool> IAsyncProjectionStore.CommitProjectionBatchAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_storage.Lock)
        {
            if (!batch.KeepsCheckpoint && _storage.Checkpoints.GetValueOrDefault(batch.CheckpointName) != batch.Expected)
            {
                return Task.FromResult(false);
            }

            if (batch.Projection is IDocumentProjection document && batch.Documents.Count > 0)
            {
                WriteDocumentsLocked([(document, batch.Documents)]);
            }

            RecordSetAsideLocked(batch);
            if (!batch.KeepsCheckpoint)
            {
                _storage.Checkpoints[batch.CheckpointName] = batch.Next;
            }
        }

        return Task.FromResult(true);
    }

    Task<IProjectionLease?> IAsyncProjectionStore.TryAcquireProjectionLeaseAsync(string projectionName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var lease = new Lease(_storage, projectionName);
        lock (_storage.Lock)
        {
            return Task.FromResult(_storage.ProjectionLeases.TryAdd(projectionName, lease) ? lease : (IProjectionLease?)null);
        }
    }

    /// <summary>A projection's lock in memory: held until disposed.</summary>
    private sealed class Lease(Storage storage, string projectionName) : IProjectionLease
    {
        public Task<bool> IsHeldAsync(CancellationToken cancellationToken)
        {
            lock (storage.Lock)
            {
                return Task.FromResult(storage.ProjectionLeases.TryGetValue(projectionName, out var holder) && ReferenceEquals(holder, this));
            }
        }

        public ValueTask DisposeAsync()
        {
            lock (storage.Lock)
            {
                if (storage.ProjectionLeases.TryGetValue(projectionName, out var holder) && ReferenceEquals(holder, this))
                {
                    storage.ProjectionLeases.Remove(projectionName);
                }
            }

            return ValueTask.CompletedTask;
        }
    }
}
