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
        var (status, version) = await RawAppender.TryAppendAsync(connection, transaction, schema, streamId, expectedVersion);

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

    [Test]
    public async Task A_stale_append_fails_at_once_while_another_writer_holds_the_stream()
    {
        await using var held = await HoldStreamAtVersionThreeAsync();
        var (schema, streamId) = (held.Schema, held.StreamId);

        await using var loser = await Database.DataSource.OpenConnectionAsync();
        var append = RawAppender.TryAppendAsync(loser, null, schema, streamId, 1);
        await WaitUntilDoneOrWaitingForLockAsync(append, loser.ProcessID);

        Assert.That(append.IsCompleted, Is.True, "an expectation that committed data contradicts must not queue behind the holder's commit");
        Assert.That(await append, Is.EqualTo((2, 2)), "wrong expected version, with the committed version");
        await held.Holder.CommitAsync();
    }

    [Test]
    public async Task Writers_racing_for_the_version_being_written_wait_for_it_together_then_fail()
    {
        await using var held = await HoldStreamAtVersionThreeAsync();
        var (schema, streamId) = (held.Schema, held.StreamId);

        await using var first = await Database.DataSource.OpenConnectionAsync();
        await using var second = await Database.DataSource.OpenConnectionAsync();
        var racers = new[] { RawAppender.TryAppendAsync(first, null, schema, streamId, 2), RawAppender.TryAppendAsync(second, null, schema, streamId, 2) };
        await WaitUntilDoneOrWaitingForLockAsync(racers[0], first.ProcessID);
        await WaitUntilDoneOrWaitingForLockAsync(racers[1], second.ProcessID);
        var waits = await Database.ScalarAsync<long>(
            $"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock' AND NOT granted AND pid IN ({first.ProcessID}, {second.ProcessID})");

        Assert.That(racers.Any(r => r.IsCompleted), Is.False, "the committed version matches, so both must wait for the holder");
        Assert.That(waits, Is.EqualTo(2), "both wait in shared mode, side by side, not one behind the other on the stream lock");
        await held.Holder.CommitAsync();
        Assert.That(await Task.WhenAll(racers), Is.All.EqualTo((2, 3)), "once the holder commits, both have lost to it");
        Assert.That(await RawAppender.TryAppendAsync(first, null, schema, streamId, 3), Is.EqualTo((0, 4)), "and the stream goes on");
    }

    /// <summary>A stream of two events, and an open transaction that has appended its third and so holds it.</summary>
    private async Task<HeldStream> HoldStreamAtVersionThreeAsync()
    {
        var schema = NewSchemaName();
        var store = await NewStoreAsync(schema: schema);
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(2));
        var holder = await RawAppender.BeginAsync(Database.DataSource, schema);
        Assert.That(await holder.TryAppendAsync(streamId, 2), Is.EqualTo((0, 3)), "the holder appends and keeps the stream locked");
        return new HeldStream(schema, streamId, holder);
    }

    private sealed record HeldStream(string Schema, StreamId StreamId, RawAppender Holder) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Holder.DisposeAsync();
    }
}
