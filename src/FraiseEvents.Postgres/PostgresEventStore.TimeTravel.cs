using System.Runtime.CompilerServices;
using Npgsql;

namespace FraiseEvents.Postgres;

public sealed partial class PostgresEventStore : ITemporalEventReader
{
    /// <inheritdoc />
    /// <remarks>Filters on the server (<c>get_events_at</c>), so only the events up to <paramref name="asOf"/> are sent.</remarks>
    public async IAsyncEnumerable<RecordedEvent> ReadStreamAsOfAsync(StreamId streamId, DateTimeOffset asOf, StreamVersion? fromVersion = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var query = await StartQueryAsync(_sql.ReadStreamAsOf, $"reading stream {streamId} as of {asOf:O}", cancellationToken,
            new NpgsqlParameter<Guid> { TypedValue = streamId.Value },
            new NpgsqlParameter<DateTimeOffset> { TypedValue = asOf.ToUniversalTime() },
            new NpgsqlParameter<int> { TypedValue = ClampVersion(fromVersion?.Value ?? 1) }).ConfigureAwait(false);

        var any = false;
        while (await query.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            any = true;
            yield return _serializer.Deserialize(ReadStoredEvent(query.Reader));
        }

        if (!any)
        {
            await ThrowIfStreamMissingAsync(streamId, cancellationToken).ConfigureAwait(false);
        }
    }
}
