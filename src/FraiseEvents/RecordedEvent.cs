namespace FraiseEvents;

/// <summary>An event read back from the store.</summary>
public sealed class RecordedEvent
{
    /// <summary>Creates a recorded event; stores call this, users normally don't.</summary>
    public RecordedEvent(Guid eventId, StreamId streamId, StreamVersion version, GlobalPosition globalPosition,
        LogPosition logPosition, string eventType, int schemaVersion, object data, EventMetadata metadata,
        DateTimeOffset createdAt)
    {
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

    /// <summary>The stored event type name, for example <c>USER_CREATED</c>.</summary>
    public string EventType { get; }

    /// <summary>The schema version the event was written with.</summary>
    public int SchemaVersion { get; }

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
