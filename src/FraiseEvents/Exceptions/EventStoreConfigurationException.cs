namespace FraiseEvents;

/// <summary>
/// The store refuses to run as configured: its schema is missing or older than the library, or the
/// database is in a state where events could be lost (durability off, transaction ids behind the
/// stored ones after a restore). The message says what to do.
/// </summary>
public sealed class EventStoreConfigurationException : FraiseEventsException
{
    /// <summary>Creates the exception.</summary>
    public EventStoreConfigurationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
