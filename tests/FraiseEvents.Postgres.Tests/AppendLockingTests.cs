using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// A writer that loses an optimistic race must not hold the stream up: it decides from committed
/// data, so its transaction gets no transaction id, writes no WAL and ends without a durable commit.
/// </summary>
[TestFixture]
public sealed class AppendLockingTests : PostgresFixture
{
    [TestCase(1L, Description = "a stale exact version")]
    [TestCase(5L, Description = "a version ahead of the stream")]
    [TestCase(-2L, Description = "no stream, on an existing stream")]
    public async Task A_losing_append_writes_nothing_and_takes_no_transaction_id(long expectedVersion)
    {
        var schema = NewSchemaName();
        var store = await NewStoreAsync(schema: schema);
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(2));

        await using var connection = await Database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var append = new NpgsqlCommand(
            $"SELECT status, stream_version FROM \"{schema}\".try_append_events($1, $2, ARRAY[gen_random_uuid()], ARRAY['USER_CREATED'], ARRAY['{{}}'::jsonb])",
            connection, transaction);
        append.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
        append.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
        int status, version;
        await using (var reader = await append.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            (status, version) = (reader.GetInt32(0), reader.GetInt32(1));
        }

        await using var xid = new NpgsqlCommand("SELECT pg_current_xact_id_if_assigned() IS NULL", connection, transaction);
        var noTransactionId = (bool)(await xid.ExecuteScalarAsync())!;

        Assert.That(status, Is.EqualTo(2), "wrong expected version");
        Assert.That(version, Is.EqualTo(2), "the actual version is reported");
        Assert.That(noTransactionId, Is.True, "a loser must not lock or write, or the next writer waits for its commit");
    }

    [Test]
    public async Task An_exact_version_append_to_a_stream_of_another_type_is_refused()
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1), new AppendOptions { StreamType = "user" });

        Assert.ThrowsAsync<StreamTypeMismatchException>(() =>
            store.AppendAsync(streamId, ExpectedVersion.Exactly(1), TestEvents.Batch(1), new AppendOptions { StreamType = "order" }));
        var state = await store.GetStreamStateAsync(streamId);
        Assert.That(state!.Version.Value, Is.EqualTo(1));
    }
}
