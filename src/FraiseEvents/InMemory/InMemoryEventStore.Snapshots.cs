using FraiseEvents.Snapshots;

namespace FraiseEvents.InMemory;

public sealed partial class InMemoryEventStore : ISnapshotStore
{
    /// <inheritdoc />
    public Task<StoredSnapshot?> ReadSnapshotAsync(StreamId streamId, int schemaVersion, StreamVersion? maxVersion = null,
        DateTimeOffset? asOf = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_storage.Lock)
        {
            if (!_storage.Snapshots.TryGetValue(streamId.Value, out var snapshots) || !_storage.Streams.TryGetValue(streamId.Value, out var stream))
            {
                return Task.FromResult<StoredSnapshot?>(null);
            }

            for (var i = snapshots.Count - 1; i >= 0; i--)
            {
                var snapshot = snapshots.Values[i];
                if (snapshot.SchemaVersion == schemaVersion
                    && snapshot.Version.Value <= stream.Events.Count
                    && (maxVersion is null || snapshot.Version <= maxVersion.Value)
                    && (asOf is null || snapshot.VersionCreatedAt <= asOf.Value))
                {
                    return Task.FromResult<StoredSnapshot?>(snapshot);
                }
            }

            return Task.FromResult<StoredSnapshot?>(null);
        }
    }

    /// <inheritdoc />
    public Task WriteSnapshotAsync(StreamId streamId, SnapshotWrite snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_storage.Lock)
        {
            WriteSnapshotLocked(streamId, snapshot);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<AppendResult> AppendWithSnapshotAsync(StreamId streamId, ExpectedVersion expectedVersion, IReadOnlyList<NewEvent> events,
        SnapshotWrite snapshot, AppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return AppendWithSideWritesAsync(streamId, expectedVersion, events, options, snapshot, cancellationToken);
    }

    private void WriteSnapshotLocked(StreamId streamId, SnapshotWrite snapshot)
    {
        if (!_storage.Streams.TryGetValue(streamId.Value, out var stream) || snapshot.Version.Value > stream.Events.Count)
        {
            throw new ArgumentException(
                $"Stream {streamId} has no event {snapshot.Version}: a snapshot must summarise stored events.", nameof(snapshot));
        }

        if (!_storage.Snapshots.TryGetValue(streamId.Value, out var snapshots))
        {
            snapshots = [];
            _storage.Snapshots.Add(streamId.Value, snapshots);
        }

        var versionCreatedAt = stream.Events[(int)snapshot.Version.Value - 1].CreatedAt;
        snapshots[snapshot.Version.Value] = new StoredSnapshot(streamId, snapshot.Version, snapshot.SchemaVersion, snapshot.Data.ToArray(),
            TruncateToMicroseconds(_timeProvider.GetUtcNow()), versionCreatedAt);
        while (snapshots.Count > snapshot.Keep)
        {
            snapshots.RemoveAt(0);
        }
    }
}
