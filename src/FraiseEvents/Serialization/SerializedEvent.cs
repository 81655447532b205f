namespace FraiseEvents.Serialization;

/// <summary>An event ready to be written: every column of <c>tb_events</c> the writer supplies.</summary>
internal sealed record SerializedEvent(
    Guid EventId,
    string EventType,
    int SchemaVersion,
    byte[] Data,
    byte[]? Metadata,
    Guid? CreatedBy);
