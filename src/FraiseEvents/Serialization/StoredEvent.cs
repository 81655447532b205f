namespace FraiseEvents.Serialization;

/// <summary>A row of <c>tb_events</c> as read, before the event type is resolved and its JSON deserialized.</summary>
internal readonly record struct StoredEvent(
    Guid EventId,
    StreamId StreamId,
    long Version,
    long GlobalPosition,
    long TransactionId,
    string EventType,
    int SchemaVersion,
    ReadOnlyMemory<byte> Data,
    ReadOnlyMemory<byte> Metadata,
    Guid? CreatedBy,
    DateTimeOffset CreatedAt);
