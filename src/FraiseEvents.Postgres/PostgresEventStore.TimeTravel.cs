using FraiseEvents.Diagnostics;
using Npgsql;

namespace FraiseEvents.Postgres;

public sealed partial class PostgresEventStore : ITemporalEventReader
{
    /// <inheritdoc />
    /// <remarks>Filters on the server (<c>get_events_at</c>), so only the events up to <paramref name="asOf"/> are sent.</remarks>
    public IAsyncEnumerable<RecordedEvent> ReadStreamAsOfAsync(StreamId streamId, DateTimeOffset asOf, StreamVersion? fromVersion = null,
        CancellationToken cancellationToken = default) => Observed(TelemetryOperations.ReadStreamAsOf, streamId,
        ReadStreamRowsAsync(streamId, _sql.ReadStreamAsOf, $"reading stream {streamId} as of {asOf:O}", cancellationToken,
            new NpgsqlParameter<DateTimeOffset> { TypedValue = asOf.ToUniversalTime() },
            new NpgsqlParameter<int> { TypedValue = ToVersionColumn(fromVersion?.Value ?? 1) }));
}
