namespace FraiseEvents;

/// <summary>An event read back from the store.</summary>
public sealed class RecordedEvent
{
    // Internal: only the stores make recorded events (a test double can read them back from the
    // in-memory store), so the shape can grow without breaking anyone.
    internal RecordedEvent(Guid eventId, StreamId streamId, StreamVersion version, GlobalPosition globalPosition,
        LogPosition logPosition, string eventType, int schemaVersion, string storedEventType, int storedSchemaVersion,
        object data, EventMetadata metadata, DateTimeOffset createdAt)
    {
        StoredEventType = storedEventType;
        StoredSchemaVersion = storedSchemaVersion;
        EventId = eventId;
        StreamId = streamId;
        Version = version;
        GlobalPosition = globalPosition;
        LogPosition = logPosition;
        EventType = eventType;
        SchemaVersion = schemaVersion;
        Data = data;
        Metadata = metadata;
        CreatedAt = createdAt;
    }

    /// <summary>The event's id.</summary>
    public Guid EventId { get; }

    /// <summary>The stream the event belongs to.</summary>
    public StreamId StreamId { get; }

    /// <summary>The event's version in its stream (1 for the first event).</summary>
    public StreamVersion Version { get; }

    /// <summary>The event's position in the whole store.</summary>
    public GlobalPosition GlobalPosition { get; }

    /// <summary>The event's place in the global log, for consumer checkpoints.</summary>
    public LogPosition LogPosition { get; }

    /// <summary>
    /// The registered name of the event as read, for example <c>USER_CREATED</c>: after an
    /// upcaster that renamed the event, the new name (<see cref="StoredEventType"/> keeps the name
    /// it was written with). For an <see cref="UnknownEvent"/> or <see cref="UnreadableEvent"/>,
    /// the stored name.
    /// </summary>
    public string EventType { get; }

    /// <summary>
    /// The schema version of the event as read: after upcasting, the registered (current) version
    /// (<see cref="StoredSchemaVersion"/> keeps the version it was written with).
    /// </summary>
    public int SchemaVersion { get; }

    /// <summary>The event type name as stored in <c>tb_events.event_type</c>, before any upcasting.</summary>
    public string StoredEventType { get; }

    /// <summary>The schema version the event was written with (<c>tb_events.schema_version</c>).</summary>
    public int StoredSchemaVersion { get; }

    /// <summary>The deserialized event.</summary>
    public object Data { get; }

    /// <summary>The event's metadata (<see cref="EventMetadata.Empty"/> when none).</summary>
    public EventMetadata Metadata { get; }

    /// <summary>When the event was stored, by the database clock.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The event as <typeparamref name="T"/>.</summary>
    /// <exception cref="InvalidCastException">The event is of another type.</exception>
    public T As<T>() => Data is T typed
        ? typed
        : throw new InvalidCastException(
            $"Event {Version} of stream {StreamId} is a {Data.GetType().Name} ({EventType}), not a {typeof(T).Name}.");

    /// <inheritdoc />
    public override string ToString() => $"{EventType} #{Version} in {StreamId}";
}
