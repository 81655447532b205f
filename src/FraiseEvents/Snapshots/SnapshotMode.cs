namespace FraiseEvents.Snapshots;

/// <summary>When a snapshot that a save calls for is written.</summary>
public enum SnapshotMode
{
    /// <summary>
    /// In the same transaction and round trip as the append: the snapshot exists as soon as the
    /// events do, and a save never commits without it. The append writes one more row, and a
    /// snapshot that cannot be serialized fails the save before anything is written.
    /// </summary>
    Inline = 0,

    /// <summary>
    /// In a second round trip after the events have committed: the append itself is as fast as
    /// one without snapshots, but the save waits for the second write, and if that write fails
    /// the events are committed without a snapshot (reported by <see cref="SnapshotWriteFailedException"/>;
    /// the next threshold writes one again, and loads rebuild from events meanwhile).
    /// </summary>
    AfterCommit = 1,
}
