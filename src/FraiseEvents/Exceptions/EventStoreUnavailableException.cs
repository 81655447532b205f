namespace FraiseEvents;

/// <summary>
/// The store could not be reached, or the connection broke during an operation.
/// </summary>
/// <remarks>
/// When <see cref="OutcomeUnknown"/> is true the append may or may not have committed. Retry it
/// with the same <see cref="NewEvent"/> instances (the same event ids) and the same expected
/// version: if it had committed, the retry succeeds without writing twice.
/// </remarks>
public sealed class EventStoreUnavailableException : FraiseEventsException
{
    /// <summary>Creates the exception.</summary>
    public EventStoreUnavailableException(string message, bool outcomeUnknown, Exception? innerException = null)
        : base(message, innerException) => OutcomeUnknown = outcomeUnknown;

    /// <summary>True when an append was sent but its result never arrived.</summary>
    public bool OutcomeUnknown { get; }
}
