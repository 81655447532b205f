namespace FraiseEvents;

/// <summary>
/// A stored event that cannot be turned into its type, surfaced by the reads that must never stop
/// or skip (the global log and the audit trail) instead of throwing: for example JSON written
/// through the SQL API that does not fit the registered class, JSON nested deeper than the
/// reader's limit, or an upcaster that fails. The event keeps its place (its
/// <see cref="RecordedEvent.LogPosition"/>), so a consumer can record it, alert, and move its
/// checkpoint past it. Stream reads still throw <see cref="EventSerializationException"/> for it.
/// </summary>
/// <param name="EventType">The stored event type name.</param>
/// <param name="SchemaVersion">The stored schema version.</param>
/// <param name="Json">The stored JSON, as text.</param>
/// <param name="Reason">Why it could not be read: the message of the error a stream read throws.</param>
public sealed record UnreadableEvent(string EventType, int SchemaVersion, string Json, string Reason);
