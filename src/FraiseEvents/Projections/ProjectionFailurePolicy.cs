namespace FraiseEvents.Projections;

/// <summary>
/// What an async projection does with an event it still fails on after its retries (a handler that
/// throws, a statement that fails, a stored row of a handled type that cannot be read). Set per
/// projection in <see cref="ProjectionDaemonOptions.FailurePolicies"/>; see docs/async-projections.md.
/// </summary>
public enum ProjectionFailurePolicy
{
    /// <summary>
    /// The default: the projection stops as <see cref="ProjectionState.Faulted"/> before the event;
    /// <see cref="ProjectionDaemon.ResumeAsync"/> continues from it after the fix.
    /// </summary>
    Pause = 0,

    /// <summary>
    /// The event is recorded as a dead letter (in the same transaction as the checkpoint's move past
    /// it) and skipped; the projection goes on. <see cref="ProjectionDaemon.ReplayDeadLettersAsync"/>
    /// applies it after the fix.
    /// </summary>
    DeadLetter = 1,

    /// <summary>
    /// Only the failing event's key is parked (the document's key for a document projection, the
    /// stream for a SQL projection): that event and every later event of the key are recorded, not
    /// applied, while other keys go on. <see cref="ProjectionDaemon.ReplayParkedAsync"/> applies them in
    /// log order after the fix. An event whose key cannot be known (a row that cannot be read, for a
    /// document projection, or a key function that throws) is dead-lettered instead.
    /// </summary>
    ParkKey = 2,
}
