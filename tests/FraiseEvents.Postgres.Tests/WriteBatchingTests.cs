using System.Collections.Concurrent;
using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// Natural write batching: appends that arrive while one is in flight go together when it
/// returns, each with its own outcome. The append in flight is held at a lock on tb_streams, so
/// the others queue in the store, deterministically, with no timing involved.
/// </summary>
[TestFixture]
public sealed class WriteBatchingTests : PostgresFixture
{
    [Test]
    public async Task Appends_queued_behind_one_in_flight_go_together_in_one_transaction_and_each_keeps_its_own_outcome()
    {
        var store = await NewStoreAsync();
        var batches = new ConcurrentQueue<int>();
        store.Batcher!.BatchSent = batches.Enqueue;
        var existing = StreamId.New();
        await store.AppendAsync(existing, ExpectedVersion.NoStream, TestEvents.Batch(1));
        batches.Clear();

        var (first, queued) = await HoldFirstAppendAsync(store, async () =>
        {
            var fresh = Enumerable.Range(0, 6).Select(_ => StreamId.New()).ToArray();
            var contested = StreamId.New();
            var tasks = fresh.Select(id => Outcome(store.AppendAsync(id, ExpectedVersion.NoStream, TestEvents.Batch(2)))).ToList();
            tasks.Add(Outcome(store.AppendAsync(existing, ExpectedVersion.Exactly(5), TestEvents.Batch(1))));
            tasks.Add(Outcome(store.AppendAsync(contested, ExpectedVersion.NoStream, TestEvents.Batch(1))));
            tasks.Add(Outcome(store.AppendAsync(contested, ExpectedVersion.NoStream, TestEvents.Batch(1))));
            return (fresh, contested, tasks);
        });

        await first;
        var outcomes = await Task.WhenAll(queued.tasks);
        var appended = outcomes.Where(o => o.Result is not null).Select(o => o.Result!).ToList();

        Assert.That(batches, Is.EqualTo(new[] { 1, 9 }), "the first alone, the nine that queued behind it together");
        Assert.That(outcomes.Take(6).Select(o => o.Result?.NextExpectedVersion.Value), Is.All.EqualTo(2));
        Assert.That(outcomes[6].Error, Is.TypeOf<WrongExpectedVersionException>(), "a refusal fails only its own append");
        Assert.That(outcomes.Skip(7).Count(o => o.Result is not null), Is.EqualTo(1), "one of two creations of the same stream wins");
        Assert.That(outcomes.Skip(7).Single(o => o.Error is not null).Error, Is.TypeOf<WrongExpectedVersionException>());
        Assert.That(appended.Select(r => r.LogPosition.TransactionId).Distinct().Count(), Is.EqualTo(1), "one transaction");
        foreach (var id in queued.fresh)
        {
            Assert.That((await store.ReadStreamAsync(id).ToListAsync()).Select(e => e.Version.Value), Is.EqualTo(new long[] { 1, 2 }));
        }

        Assert.That(await store.ReadStreamAsync(existing).ToListAsync(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task An_append_that_fails_the_shared_transaction_is_sent_again_alone_and_fails_alone()
    {
        var store = await NewStoreAsync();
        await Database.ExecuteAsync($"""
            CREATE FUNCTION "{store.Schema}".refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.event_data->>'name' = 'boom' THEN RAISE EXCEPTION 'boom refused' USING ERRCODE = 'P0001'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_boom BEFORE INSERT ON "{store.Schema}".tb_events FOR EACH ROW EXECUTE FUNCTION "{store.Schema}".refuse_boom();
            """);
        var streams = new[] { StreamId.New(), StreamId.New(), StreamId.New() };

        var (first, queued) = await HoldFirstAppendAsync(store, () => Task.FromResult(new[]
        {
            Outcome(store.AppendAsync(streams[0], ExpectedVersion.NoStream, TestEvents.Batch(1))),
            Outcome(store.AppendAsync(streams[1], ExpectedVersion.NoStream, [new NewEvent(new UserCreated(Guid.NewGuid(), "boom", "b@example.com"))])),
            Outcome(store.AppendAsync(streams[2], ExpectedVersion.NoStream, TestEvents.Batch(1))),
        }));

        await first;
        var outcomes = await Task.WhenAll(queued);

        Assert.That(outcomes[1].Error, Is.InstanceOf<PostgresException>().With.Property(nameof(PostgresException.MessageText)).EqualTo("boom refused"));
        Assert.That(new[] { outcomes[0].Error, outcomes[2].Error }, Is.All.Null, "the others were sent again alone and stored");
        Assert.That(await store.GetStreamStateAsync(streams[0]), Is.Not.Null);
        Assert.That(await store.GetStreamStateAsync(streams[1]), Is.Null);
        Assert.That(await store.GetStreamStateAsync(streams[2]), Is.Not.Null);
    }

    [Test]
    public async Task A_queued_append_whose_token_is_cancelled_before_it_is_sent_writes_nothing()
    {
        var store = await NewStoreAsync();
        var cancelled = StreamId.New();
        using var cancellation = new CancellationTokenSource();

        var (first, queued) = await HoldFirstAppendAsync(store, () =>
        {
            var append = Outcome(store.AppendAsync(cancelled, ExpectedVersion.NoStream, TestEvents.Batch(1), cancellationToken: cancellation.Token));
            cancellation.Cancel();
            return Task.FromResult(append);
        });

        await first;
        var outcome = await queued;

        Assert.That(outcome.Error, Is.InstanceOf<OperationCanceledException>());
        Assert.That(await store.GetStreamStateAsync(cancelled), Is.Null);
        Assert.That((await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1))).WasAlreadyAppended, Is.False,
            "the store goes on appending");
    }

    [Test]
    public async Task With_batching_off_there_is_no_batcher()
    {
        var store = await NewStoreAsync(configurePostgres: o => o.BatchConcurrentAppends = false);

        Assert.That(store.Batcher, Is.Null);
        Assert.That((await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1))).NextExpectedVersion.Value, Is.EqualTo(1));
    }

    /// <summary>
    /// Starts an append and holds it in the server (tb_streams locked), lets <paramref name="queue"/>
    /// start more appends, which queue in the store behind it, then lets everything go.
    /// </summary>
    private async Task<(Task First, T Queued)> HoldFirstAppendAsync<T>(PostgresEventStore store, Func<Task<T>> queue)
    {
        await using var gate = await Database.DataSource.OpenConnectionAsync();
        await using var transaction = await gate.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand($"LOCK TABLE \"{store.Schema}\".tb_streams IN ACCESS EXCLUSIVE MODE", gate, transaction))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        var first = store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1));
        for (var attempt = 0; attempt < 2000; attempt++)
        {
            if (await Database.ScalarAsync<long>($"SELECT count(*) FROM pg_stat_activity WHERE {gate.ProcessID} = ANY (pg_blocking_pids(pid))") == 1)
            {
                break;
            }

            await Task.Delay(5);
        }

        var queued = await queue();
        Assert.That(store.Batcher!.QueuedCount, Is.GreaterThan(0), "the appends queued behind the one in flight");
        await transaction.CommitAsync();
        return (first, queued);
    }

    private static async Task<(AppendResult? Result, Exception? Error)> Outcome(Task<AppendResult> append)
    {
        try
        {
            return (await append, null);
        }
        catch (Exception ex)
        {
            return (null, ex);
        }
    }
}
