namespace FraiseEvents;

/// <summary>
/// An event could not be turned into storable JSON, or stored JSON could not be turned back into
/// its event type. On append, nothing was written.
/// </summary>
public sealed class EventSerializationException : FraiseEventsException
{
    /// <summary>Creates the exception.</summary>
    public EventSerializationException(string message, StreamId? streamId, string? eventType, Exception? innerException = null)
        : base(message, innerException)
    {
        StreamId = streamId;
        EventType = eventType;
    }

    /// <summary>The stream, when known.</summary>
    public StreamId? StreamId { get; }

    /// <summary>The event type name or CLR type name.</summary>
    public string? EventType { get; }
}
