namespace FraiseEvents.Aggregates;

/// <summary>
/// An aggregate whose state can be saved as a snapshot, so that loading it reads only the events
/// after the newest snapshot. The snapshot is serialized as JSON.
/// </summary>
/// <typeparam name="TSnapshot">The state to store: a plain record that System.Text.Json can round-trip.</typeparam>
public interface ISnapshotable<TSnapshot> : IAggregate where TSnapshot : class
{
    /// <summary>
    /// The shape of <typeparamref name="TSnapshot"/>, at least 1. Bump it whenever the snapshot's
    /// shape or the meaning of its fields changes, or the aggregate's apply logic changes: snapshots
    /// of other versions are then ignored and the state is rebuilt from events.
    /// </summary>
    int SnapshotSchemaVersion { get; }

    /// <summary>The current state, including raised but uncommitted events.</summary>
    TSnapshot CreateSnapshot();

    /// <summary>Restores the state from a snapshot (on a fresh aggregate); the repository sets the version.</summary>
    void RestoreSnapshot(TSnapshot snapshot);
}
