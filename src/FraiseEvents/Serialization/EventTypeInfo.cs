namespace FraiseEvents.Serialization;

/// <summary>A registered event type: its CLR type, stored name and current schema version.</summary>
/// <param name="ClrType">The class or record that represents the event.</param>
/// <param name="Name">The name stored in <c>tb_events.event_type</c>.</param>
/// <param name="SchemaVersion">The schema version new events of this type are written with.</param>
public sealed record EventTypeInfo(Type ClrType, string Name, int SchemaVersion);
