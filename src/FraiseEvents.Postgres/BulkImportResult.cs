namespace FraiseEvents.Postgres;

/// <summary>What <see cref="PostgresEventStore.BulkImportAsync"/> wrote.</summary>
/// <param name="Streams">The number of streams created.</param>
/// <param name="Events">The number of events written.</param>
/// <param name="CreatedAt">The time recorded on every imported event and stream (the database clock).</param>
public sealed record BulkImportResult(int Streams, long Events, DateTimeOffset CreatedAt);
