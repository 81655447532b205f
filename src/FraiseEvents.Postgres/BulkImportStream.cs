namespace FraiseEvents.Postgres;

/// <summary>A new stream and all its events, for <see cref="PostgresEventStore.BulkImportAsync"/>.</summary>
/// <param name="StreamId">The stream; it must not exist yet.</param>
/// <param name="Events">The stream's events in order, at least one; they get versions 1, 2, 3, …</param>
/// <param name="StreamType">The stream's type, or null.</param>
public sealed record BulkImportStream(StreamId StreamId, IReadOnlyList<NewEvent> Events, string? StreamType = null);
