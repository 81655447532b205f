namespace FraiseEvents;

/// <summary>
/// The server was reached but refused the connection: a wrong password, an unknown role (or one
/// the server's access rules do not let in), or a database that does not exist. Retrying does not
/// help; the message says which setting to check.
/// </summary>
/// <remarks>
/// Unlike <see cref="EventStoreUnavailableException"/>, nothing was sent, so an append that fails
/// with this exception wrote nothing.
/// </remarks>
public sealed class EventStoreConnectionException : FraiseEventsException
{
    /// <summary>Creates the exception.</summary>
    public EventStoreConnectionException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
