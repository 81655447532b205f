using FraiseEvents.Serialization;
using FraiseEvents.Snapshots;

namespace FraiseEvents.InMemory;

public sealed partial class InMemoryEventStore : ISnapshotStore
{
    /// <inheritdoc />
    public async Task<StreamWithSnapshot?> ReadStreamWithSnapshotAsync(StreamId streamId, int? schemaVersion, StreamVersion? maxVersion = null,
        CancellationToken cancellationToken = default)
    {
        // Under the store's lock, as the PostgreSQL store reads all three in one round trip.
        StreamState? state;
        StoredSnapshot? snapshot;
        StoredEvent[] stored;
        lock (_storage.Lock)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_storage.Streams.TryGetValue(streamId.Value, out var stream))
            {
                return null;
            }

            state = new StreamState(streamId, new StreamVersion(stream.Events.Count), stream.StreamType, stream.CreatedAt, stream.UpdatedAt);
            snapshot = schemaVersion is { } version ? FindSnapshotLocked(streamId, version, maxVersion, asOf: null) : null;
            var from = (int)(snapshot?.Version.Value ?? 0);
            var to = (int)Math.Min(maxVersion?.Value ?? long.MaxValue, stream.Events.Count);
            stored = from < to ? [.. stream.Events.GetRange(from, to - from)] : [];
        }

        var events = new List<RecordedEvent>(stored.Length);
        await foreach (var recorded in DeserializeAsync(stored, neverSkip: false, cancellationToken).ConfigureAwait(false))
        {
            events.Add(recorded);
        }

        return new StreamWithSnapshot(state, snapshot, events);
    }

    /// <inheritdoc />
    public Task<StoredSnapshot?> ReadSnapshotAsync(StreamId streamId, int schemaVersion, StreamVersion? maxVersion = null,
        DateTimeOffset? asOf = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_storage.Lock)
        {
            return Task.FromResult(FindSnapshotLocked(streamId, schemaVersion, maxVersion, asOf));
        }
    }

    private StoredSnapshot? FindSnapshotLocked(StreamId streamId, int schemaVersion, StreamVersion? maxVersion, DateTimeOffset? asOf)
    {
        if (!_storage.Snapshots.TryGetValue(streamId.Value, out var snapshots) || !_storage.Streams.TryGetValue(streamId.Value, out var stream))
        {
            return null;
        }

        for (var i = snapshots.Count - 1; i >= 0; i--)
        {
            var snapshot = snapshots.Values[i];
            if (snapshot.SchemaVersion == schemaVersion
                && snapshot.Version.Value <= stream.Events.Count
                && (maxVersion is null || snapshot.Version <= maxVersion.Value)
                && (asOf is null || snapshot.VersionCreatedAt <= asOf.Value))
            {
                return snapshot;
            }
        }

        return null;
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
