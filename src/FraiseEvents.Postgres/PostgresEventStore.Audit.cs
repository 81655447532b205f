using FraiseEvents.Auditing;
using Npgsql;
using NpgsqlTypes;

namespace FraiseEvents.Postgres;

public sealed partial class PostgresEventStore : IAuditTrail
{
    /// <inheritdoc />
    /// <remarks>
    /// A stream's trail pages by version over the primary key; an author's trail pages by
    /// (created_at, global_position), over <c>idx_events_by_author</c> when
    /// <see cref="PostgresEventStoreOptions.IndexEventsByAuthor"/> created it, otherwise by reading
    /// the whole log. Neither uses OFFSET.
    /// </remarks>
    public async Task<AuditPage> ReadAuditTrailAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var types = Nullable(NpgsqlDbType.Array | NpgsqlDbType.Text, query.EventTypes is { Count: > 0 } list ? list.ToArray() : null);
        var from = Nullable(NpgsqlDbType.TimestampTz, query.From?.ToUniversalTime());
        var to = Nullable(NpgsqlDbType.TimestampTz, query.To?.ToUniversalTime());
        // One row more than asked tells whether another page follows, so the last page has no cursor.
        var limit = new NpgsqlParameter<int> { TypedValue = query.Limit + 1 };
        RunningQuery running;
        if (query.StreamId is { } streamId)
        {
            running = await StartQueryAsync(_sql.AuditTrail, $"reading the audit trail of stream {streamId}", cancellationToken,
                new NpgsqlParameter<Guid> { TypedValue = streamId.Value }, limit,
                Nullable(NpgsqlDbType.Integer, query.After is { } after ? ToVersionColumn(after.Version.Value) : null),
                from, to, types).ConfigureAwait(false);
        }
        else
        {
            running = await StartQueryAsync(_sql.AuditTrailByAuthor, $"reading the audit trail of author {query.CreatedBy}", cancellationToken,
                new NpgsqlParameter<Guid> { TypedValue = query.CreatedBy!.Value }, limit, // ByAuthor sets it when StreamId is null
                Nullable(NpgsqlDbType.TimestampTz, query.After?.CreatedAt.ToUniversalTime()),
                Nullable(NpgsqlDbType.Bigint, query.After?.GlobalPosition.Value),
                from, to, types).ConfigureAwait(false);
        }

        var events = new List<RecordedEvent>(Math.Min(query.Limit + 1, 1001));
        await using (running.ConfigureAwait(false))
        {
            while (await running.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                events.Add(_serializer.Deserialize(ReadStoredEvent(running.Reader), neverSkip: true)!); // never null with neverSkip
            }
        }

        if (events.Count <= query.Limit)
        {
            return new AuditPage(events, Next: null);
        }

        events.RemoveAt(events.Count - 1);
        return new AuditPage(events, AuditCursor.After(events[^1]));
    }
}
