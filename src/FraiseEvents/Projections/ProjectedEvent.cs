namespace FraiseEvents.Projections;

/// <summary>
/// An event as an inline projection sees it: appended in the transaction the projection writes in.
/// Its version and global position are assigned by the store when the append commits; SQL
/// statements that need them read the stored row (<c>tb_events</c>, by <see cref="EventId"/>).
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

    /// <summary>The stream type given with the append, if any.</summary>
    public string? StreamType { get; }

    /// <inheritdoc />
    public override string ToString() => $"{EventType} {EventId} in {StreamId}";
}
