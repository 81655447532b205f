using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// A session keeps the append function's plans until the tables are analyzed again. Plans made
/// while the store was tiny must still be index probes once it has grown.
/// </summary>
[TestFixture]
public sealed class AppendPlanTests : PostgresFixture
{
    [Test]
    public async Task Plans_made_while_the_store_was_tiny_do_not_scan_the_streams_table_once_it_has_grown()
    {
        var schema = NewSchemaName();
        var store = await NewStoreAsync(schema: schema);
        var s = $"\"{schema}\"";
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1));
        // No autovacuum: its ANALYZE would replan and hide what a busy server can show for a minute.
        await Database.ExecuteAsync($"ALTER TABLE {s}.tb_streams SET (autovacuum_enabled = false); ANALYZE {s}.tb_streams;");

        await using var session = await Database.DataSource.OpenConnectionAsync();
        await AppendAnyAsync(session, null, schema, streamId); // plans the function's statements on a one-page table
        await Database.ExecuteAsync(
            $"INSERT INTO {s}.tb_streams (stream_id, version, created_at, updated_at) SELECT gen_random_uuid(), 1, now(), now() FROM generate_series(1, 20000)");

        await using var transaction = await session.BeginTransactionAsync();
        var before = await SequentialScansAsync(session, transaction, s);
        for (var i = 0; i < 3; i++)
        {
            await AppendAnyAsync(session, transaction, schema, streamId);
        }

        var sequentialScans = await SequentialScansAsync(session, transaction, s) - before;

        Assert.That(sequentialScans, Is.Zero, "each append must find its stream's row through the primary key, not by reading 20,000 rows");
    }

    [Test]
    public async Task Checking_an_appends_event_ids_and_a_projections_guard_probe_the_id_index_and_read_none_of_a_long_streams_other_events()
    {
        const int StreamLength = 20_000;
        var schema = NewSchemaName();
        var store = await NewStoreAsync(schema: schema);
        var s = $"\"{schema}\"";
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1));
        await Database.ExecuteAsync($"ALTER TABLE {s}.tb_events SET (autovacuum_enabled = false)");

        // The session plans the function's lookups while the stream has one event and the table has no statistics.
        await using var session = await Database.DataSource.OpenConnectionAsync();
        await AppendAsync(session, null, schema, streamId, Guid.CreateVersion7());
        await Database.ExecuteAsync(
            $"""
            INSERT INTO {s}.tb_events (id, stream_id, event_type, event_version, event_data)
            SELECT gen_random_uuid(), '{streamId.Value}', 'USER_CREATED', v, jsonb_build_object() FROM generate_series(3, {StreamLength}) AS v;
            UPDATE {s}.tb_streams SET version = {StreamLength} WHERE stream_id = '{streamId.Value}';
            """);

        await using var transaction = await session.BeginTransactionAsync();
        var before = await EventReadsAsync(session, transaction, s);
        var eventId = Guid.CreateVersion7();
        Assert.That(await AppendAsync(session, transaction, schema, streamId, eventId), Is.EqualTo(0), "appended");
        Assert.That(await AppendAsync(session, transaction, schema, streamId, eventId), Is.EqualTo(1), "recognised as a retry");
        // What a projection's write checks before it rides with the append: the same lookup by id.
        await using (var guard = new NpgsqlCommand($"SELECT {s}.fe_require_appended($1, $2)", session, transaction))
        {
            guard.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
            guard.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = eventId });
            await guard.ExecuteNonQueryAsync();
        }

        var after = await EventReadsAsync(session, transaction, s);

        Assert.That(after.IdProbes - before.IdProbes, Is.GreaterThanOrEqualTo(3), "each id is looked up through idx_events_id");
        Assert.That(after.RowsFetched - before.RowsFetched, Is.LessThan(20), $"not the {StreamLength} events of the stream");
        Assert.That(after.SequentialScans - before.SequentialScans, Is.Zero);
    }

    /// <summary>This transaction's scans of tb_events, from the backend's not yet flushed statistics.</summary>
    private static async Task<(long IdProbes, long SequentialScans, long RowsFetched)> EventReadsAsync(NpgsqlConnection session,
        NpgsqlTransaction transaction, string schema)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT pg_stat_get_xact_numscans('{schema}.idx_events_id'::regclass), t.seq_scan, t.idx_tup_fetch
            FROM pg_stat_xact_user_tables t WHERE t.relid = '{schema}.tb_events'::regclass
            """, session, transaction);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private static async Task<int> AppendAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, StreamId streamId, Guid eventId)
    {
        await using var append = new NpgsqlCommand(
            $"SELECT status FROM \"{schema}\".try_append_events($1, -1, ARRAY[$2], ARRAY['USER_CREATED'], ARRAY['{{}}'::jsonb])",
            connection, transaction);
        append.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
        append.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = eventId });
        return (int)(await append.ExecuteScalarAsync())!;
    }

    /// <summary>This backend's sequential scans of tb_streams that are not yet flushed to the shared statistics (this transaction's among them).</summary>
    private static async Task<long> SequentialScansAsync(NpgsqlConnection session, NpgsqlTransaction transaction, string schema)
    {
        await using var scans = new NpgsqlCommand(
            $"SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relid = '{schema}.tb_streams'::regclass", session, transaction);
        return (long)(await scans.ExecuteScalarAsync())!;
    }

    private static async Task AppendAnyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, StreamId streamId) =>
        Assert.That((await RawAppender.TryAppendAsync(connection, transaction, schema, streamId, -1)).Status, Is.Zero, "appended");
}
