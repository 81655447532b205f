namespace FraiseEvents;

/// <summary>
/// Where each consumer of the global log has got to: a <see cref="LogPosition"/> per consumer
/// name, changed only by compare-and-set so that a second instance of a consumer (one that lost
/// its turn, or a paused "zombie") cannot move it behind the other's back. Both stores implement
/// it; subscriptions use it, and so can code that polls <see cref="IEventStore.ReadAllAsync"/> itself.
/// In PostgreSQL the checkpoints are the rows of <c>tb_checkpoints</c>.
/// </summary>
/// <remarks>
/// A consumer that has no checkpoint is at <see cref="LogPosition.Start"/>: reading returns null
/// for it, and a compare-and-set that expects <see cref="LogPosition.Start"/> succeeds on it.
/// Consumer names are 1 to 200 characters and not blank.
/// </remarks>
public interface ICheckpointStore
{
    /// <summary>The consumer's stored checkpoint, or null when it has none.</summary>
    /// <exception cref="ArgumentException">The name is null, blank or longer than 200 characters.</exception>
    Task<LogPosition?> ReadCheckpointAsync(string consumerName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves the consumer's checkpoint to <paramref name="position"/> if it is still at
    /// <paramref name="expected"/> (forwards or backwards).
    /// </summary>
    /// <returns>
    /// True when it was moved; false when the checkpoint is not at <paramref name="expected"/>
    /// (another instance of the consumer moved it, or it was reset): the caller should stop, since
    /// it no longer knows what has been handled.
    /// </returns>
    /// <exception cref="ArgumentException">The name is null, blank or longer than 200 characters.</exception>
    Task<bool> CompareAndSetCheckpointAsync(string consumerName, LogPosition expected, LogPosition position,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the consumer's checkpoint to <paramref name="position"/> whatever it is now: to
    /// <see cref="LogPosition.Start"/> (the default) to read the whole log again, or to a position
    /// to skip to. A running consumer whose next compare-and-set then fails stops; reset a stopped one.
    /// </summary>
    /// <exception cref="ArgumentException">The name is null, blank or longer than 200 characters.</exception>
    Task ResetCheckpointAsync(string consumerName, LogPosition position = default, CancellationToken cancellationToken = default);
}
