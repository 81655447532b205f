namespace FraiseEvents;

/// <summary>
/// A concurrent writer got in the way and nothing was written. Reload and retry. Thrown as is when
/// the database reports a serialization failure or deadlock (SQLSTATE 40001/40P01), typically
/// when appending inside a caller's REPEATABLE READ or SERIALIZABLE transaction.
/// </summary>
public class ConcurrencyException : FraiseEventsException
{
    /// <summary>Creates the exception.</summary>
    public ConcurrencyException(StreamId streamId, string message, Exception? innerException = null)
        : base(message, innerException) => StreamId = streamId;

    /// <summary>The stream that was being written.</summary>
    public StreamId StreamId { get; }
}
