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
