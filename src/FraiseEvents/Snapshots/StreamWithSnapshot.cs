namespace FraiseEvents.Snapshots;

/// <summary>
/// What rebuilding a stream's state needs, read together by
/// <see cref="ISnapshotStore.ReadStreamWithSnapshotAsync"/>: the stream's state, its newest usable
/// snapshot, and its events after that snapshot.
/// </summary>
/// <param name="State">The stream's version, type and times.</param>
/// <param name="Snapshot">The newest snapshot asked for; null when there is none (or none was asked for).</param>
/// <param name="Events">
/// The stream's events after <paramref name="Snapshot"/> (from version 1 without one), in order, up
/// to the maximum version asked for. A concurrent append may add events past
/// <see cref="StreamState.Version"/>; stop at that version for a consistent state.
/// </param>
public sealed record StreamWithSnapshot(StreamState State, StoredSnapshot? Snapshot, IReadOnlyList<RecordedEvent> Events);
