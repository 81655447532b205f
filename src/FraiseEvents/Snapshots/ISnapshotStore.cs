namespace FraiseEvents.Snapshots;

/// <summary>
/// Stores aggregate snapshots: a cache of the state after some version of a stream, never the
/// truth. Implemented by the PostgreSQL store (<c>tb_snapshots</c>) and the in-memory store.
/// </summary>
public interface ISnapshotStore
{
    /// <summary>
    /// The newest snapshot of <paramref name="streamId"/> written with <paramref name="schemaVersion"/>,
    /// at or below <paramref name="maxVersion"/> and whose last event was stored at or before
    /// <paramref name="asOf"/>; null when there is none. Snapshots of other schema versions are ignored.
    /// </summary>
    Task<StoredSnapshot?> ReadSnapshotAsync(StreamId streamId, int schemaVersion, StreamVersion? maxVersion = null,
        DateTimeOffset? asOf = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads what rebuilding a stream's state needs: its state, its newest snapshot written with
    /// <paramref name="schemaVersion"/> at or below <paramref name="maxVersion"/> (none looked up
    /// when <paramref name="schemaVersion"/> is null), and its events after that snapshot up to
    /// <paramref name="maxVersion"/>. The PostgreSQL store reads all three in one round trip; this
    /// is how <see cref="Aggregates.AggregateRepository{TAggregate}"/> loads an aggregate.
    /// </summary>
    /// <returns>Null when the stream does not exist.</returns>
    Task<StreamWithSnapshot?> ReadStreamWithSnapshotAsync(StreamId streamId, int? schemaVersion, StreamVersion? maxVersion = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a snapshot of a version the stream already has, and keeps only the newest
    /// <see cref="SnapshotWrite.Keep"/> snapshots of the stream.
    /// </summary>
    /// <exception cref="ArgumentException">The stream has no event at the snapshot's version.</exception>
    Task WriteSnapshotAsync(StreamId streamId, SnapshotWrite snapshot, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends events and writes a snapshot of the resulting version in the same transaction: both
    /// or neither. The snapshot is written only when the events land exactly at
    /// <see cref="SnapshotWrite.Version"/> (its last event is the append's last event).
    /// </summary>
    /// <exception cref="WrongExpectedVersionException">The stream is not in the expected state; nothing was written.</exception>
    Task<AppendResult> AppendWithSnapshotAsync(StreamId streamId, ExpectedVersion expectedVersion, IReadOnlyList<NewEvent> events,
        SnapshotWrite snapshot, AppendOptions? options = null, CancellationToken cancellationToken = default);
}
