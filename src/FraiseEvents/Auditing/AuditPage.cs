namespace FraiseEvents.Auditing;

/// <summary>One page of an audit trail.</summary>
/// <param name="Events">The events, newest first; each carries its type, data, time, author and metadata.</param>
/// <param name="Next">Where the next page starts; null when no event follows this page.</param>
public sealed record AuditPage(IReadOnlyList<RecordedEvent> Events, AuditCursor? Next);
