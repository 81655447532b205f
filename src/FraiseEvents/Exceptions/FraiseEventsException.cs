namespace FraiseEvents;

/// <summary>The base of every exception FraiseEvents throws for a store-level failure.</summary>
public abstract class FraiseEventsException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected FraiseEventsException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
