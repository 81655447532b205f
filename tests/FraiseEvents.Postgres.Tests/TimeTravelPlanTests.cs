using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// A time-travel read must cost what the stream costs, not what the log costs. From the sixth call
/// on a connection PostgreSQL may switch get_events_at to a generic plan; one that combined the
/// stream's key with the BRIN index on created_at visited every page of the table when the as-of
/// time was recent (7.7 ms at 5M events against 0.54 ms on an empty store).
/// </summary>
[TestFixture]
public sealed class TimeTravelPlanTests : PostgresFixture
{
    private const int StreamLength = 5;

    [Test]
    public async Task A_read_as_of_a_time_touches_only_the_streams_rows_through_its_key_even_with_a_generic_plan()
    {
        var schema = NewSchemaName();
        var store = await NewStoreAsync(schema: schema);
        var s = $"\"{schema}\"";
        var target = StreamId.New();
        await store.BulkImportAsync([.. Enumerable.Range(0, 200).Select(_ => new BulkImportStream(StreamId.New(), TestEvents.Batch(100)))]);
        await store.AppendAsync(target, ExpectedVersion.NoStream, TestEvents.Batch(StreamLength));
        await Database.ExecuteAsync($"ANALYZE {s}.tb_events");

        await using var session = await Database.DataSource.OpenConnectionAsync();
        // What a connection's sixth call gets anyway: the plan made without the parameters' values.
        await using (var generic = new NpgsqlCommand("SET plan_cache_mode = force_generic_plan", session))
        {
            await generic.ExecuteNonQueryAsync();
        }

        await using var transaction = await session.BeginTransactionAsync();
        var before = await ScansAsync(session, transaction, schema);
        for (var i = 0; i < 3; i++)
        {
            await using var read = new NpgsqlCommand($"SELECT count(*) FROM {s}.get_events_at($1, clock_timestamp())", session, transaction)
            {
                Parameters = { new NpgsqlParameter<Guid> { TypedValue = target.Value } },
            };
            Assert.That(await read.ExecuteScalarAsync(), Is.EqualTo(StreamLength));
        }

        var after = await ScansAsync(session, transaction, schema);

        Assert.That(after.Brin - before.Brin, Is.Zero, "the BRIN index on created_at must not be part of a stream's plan");
        Assert.That(after.SequentialScans - before.SequentialScans, Is.Zero, "no sequential scan of the log");
        Assert.That(after.RowsFetched - before.RowsFetched, Is.EqualTo(3 * StreamLength), "only the stream's own rows are read");
    }

    /// <summary>This transaction's scans of tb_events, from the backend's not yet flushed statistics.</summary>
    private static async Task<(long Brin, long SequentialScans, long RowsFetched)> ScansAsync(NpgsqlConnection session, NpgsqlTransaction transaction, string schema)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT pg_stat_get_xact_numscans('"{schema}".idx_events_created_at'::regclass), t.seq_scan, t.idx_tup_fetch
            FROM pg_stat_xact_user_tables t WHERE t.relid = '"{schema}".tb_events'::regclass
            """, session, transaction);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
