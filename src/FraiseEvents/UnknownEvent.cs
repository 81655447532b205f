using System.Text.Json;

namespace FraiseEvents;

/// <summary>
/// An event whose stored type no registered type or upcaster accounts for, surfaced as raw JSON
/// when <see cref="EventStoreOptions.UnknownEventTypes"/> is <see cref="UnknownEventTypeHandling.Surface"/>.
/// </summary>
/// <param name="EventType">The stored event type name.</param>
/// <param name="SchemaVersion">The stored schema version.</param>
/// <param name="Data">The stored JSON.</param>
public sealed record UnknownEvent(string EventType, int SchemaVersion, JsonElement Data);
