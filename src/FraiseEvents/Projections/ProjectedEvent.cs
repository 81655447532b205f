namespace FraiseEvents.Projections;

/// <summary>
/// An event as a SQL projection sees it: for an inline projection, appended in the transaction the
/// projection writes in, its version and global position assigned by the store when the append
/// commits; for an async one, read from the global log. SQL statements that need the version or
/// position read the stored row (<c>tb_events</c>, by <see cref="EventId"/>).
/// </summary>
public sealed class ProjectedEvent
{
    internal ProjectedEvent(StreamId streamId, Guid eventId, string eventType, object data, EventMetadata metadata, string? streamType)
    {
        StreamId = streamId;
        EventId = eventId;
        EventType = eventType;
        Data = data;
        Metadata = metadata;
        StreamType = streamType;
    }

    /// <summary>The stream the event is appended to.</summary>
    public StreamId StreamId { get; }

    /// <summary>The event's id (<c>tb_events.id</c>).</summary>
    public Guid EventId { get; }

    /// <summary>The stored event type name, for example <c>USER_CREATED</c>.</summary>
    public string EventType { get; }

    /// <summary>The event object, as appended.</summary>
    public object Data { get; }

    /// <summary>The event's metadata (<see cref="EventMetadata.Empty"/> when none).</summary>
    public EventMetadata Metadata { get; }

    /// <summary>The stream type given with the append, if any; always null for an async projection (the log does not carry it).</summary>
    public string? StreamType { get; }

    /// <inheritdoc />
    public override string ToString() => $"{EventType} {EventId} in {StreamId}";
}
