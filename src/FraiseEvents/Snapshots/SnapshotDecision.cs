namespace FraiseEvents.Snapshots;

/// <summary>What a custom <see cref="SnapshotPolicy"/> sees when a save is about to happen.</summary>
/// <param name="StreamId">The aggregate's stream.</param>
/// <param name="PreviousVersion">The version before the save (0 for a new aggregate).</param>
/// <param name="NewVersion">The version after the save.</param>
/// <param name="Events">The events being saved.</param>
public sealed record SnapshotDecision(StreamId StreamId, StreamVersion PreviousVersion, StreamVersion NewVersion, IReadOnlyList<object> Events);
