using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// The global log under concurrent writers whose transactions commit out of order. These tests
/// hold transactions open, which holds back every reader of the cluster, so they run alone.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class GlobalLogOrderingTests : PostgresFixture
{
    [Test]
    public async Task An_event_committed_late_with_a_lower_position_is_delivered_not_skipped()
    {
        var store = await NewStoreAsync();
        await using var first = await RawAppender.BeginAsync(Database.DataSource, store.Schema);
        await using var second = await RawAppender.BeginAsync(Database.DataSource, store.Schema);
        await first.TakeTransactionIdAsync();
        await second.TakeTransactionIdAsync();

        var late = await second.AppendAsync();   // takes the lower position, commits last
        var early = await first.AppendAsync();   // takes the higher position, commits first
        await first.CommitAsync();

        var firstPoll = await store.ReadAllAsync(LogPosition.Start).ToListAsync();
        var checkpoint = firstPoll[^1].LogPosition;
        await second.CommitAsync();
        var secondPoll = await store.ReadAllAsync(checkpoint).ToListAsync();

        Assert.That(late.GlobalPosition, Is.LessThan(early.GlobalPosition), "the scenario needs the late commit to hold the lower position");
        Assert.That(firstPoll.Select(e => e.EventId), Is.EqualTo(new[] { early.EventId }));
        Assert.That(secondPoll.Select(e => e.EventId), Is.EqualTo(new[] { late.EventId }));
    }

    [Test]
    public async Task A_commit_is_held_back_while_an_older_transaction_is_open_and_then_delivered_in_order()
    {
        var store = await NewStoreAsync();
        await using var older = await RawAppender.BeginAsync(Database.DataSource, store.Schema);
        await older.TakeTransactionIdAsync();
        var committed = await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(2));

        var whileOpen = await store.ReadAllAsync(LogPosition.Start).ToListAsync();
        var olderEvent = await older.AppendAsync();
        await older.CommitAsync();
        var afterCommit = await store.ReadAllAsync(LogPosition.Start).ToListAsync();

        Assert.That(whileOpen, Is.Empty);
        Assert.That(afterCommit.Select(e => e.EventId).First(), Is.EqualTo(olderEvent.EventId));
        Assert.That(afterCommit.Select(e => e.GlobalPosition).Skip(1), Is.EqualTo(committed.GlobalPositions));
        Assert.That(afterCommit.Select(e => e.LogPosition), Is.Ordered.Ascending);
    }

    [Test]
    public async Task A_rolled_back_append_leaves_a_gap_that_does_not_stall_the_log()
    {
        var store = await NewStoreAsync();
        await using (var abandoned = await RawAppender.BeginAsync(Database.DataSource, store.Schema))
        {
            await abandoned.AppendAsync();
            await abandoned.RollbackAsync();
        }

        var committed = await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1));
        var log = await store.ReadAllAsync(LogPosition.Start).ToListAsync();

        Assert.That(log.Select(e => e.GlobalPosition), Is.EqualTo(committed.GlobalPositions));
        Assert.That(committed.GlobalPositions[0].Value, Is.GreaterThan(1), "the rolled-back append burned a position");
    }

    [Test]
    public async Task Concurrent_writers_with_rollbacks_and_polling_consumers_deliver_every_commit_exactly_once()
    {
        var store = await NewStoreAsync();
        var committed = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        var random = new Random(20261126);
        var plans = Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, 40).Select(_ => (Rollback: random.Next(10) == 0, DelayMs: random.Next(0, 5))).ToArray()).ToArray();
        using var writersDone = new CancellationTokenSource();

        var writers = plans.Select(async plan =>
        {
            foreach (var (rollback, delayMs) in plan)
            {
                await using var writer = await RawAppender.BeginAsync(Database.DataSource, store.Schema);
                var appended = await writer.AppendAsync();
                await Task.Delay(delayMs);
                if (rollback)
                {
                    await writer.RollbackAsync();
                }
                else
                {
                    await writer.CommitAsync();
                    committed.Add(appended.EventId);
                }
            }
        }).ToArray();

        var consumers = Enumerable.Range(0, 3).Select(async _ =>
        {
            var delivered = new List<RecordedEvent>();
            var checkpoint = LogPosition.Start;
            while (true)
            {
                var finished = writersDone.IsCancellationRequested;
                var page = await store.ReadAllAsync(checkpoint, 25).ToListAsync();
                delivered.AddRange(page);
                if (page.Count > 0)
                {
                    checkpoint = page[^1].LogPosition;
                }
                else if (finished)
                {
                    return delivered;
                }
                else
                {
                    await Task.Delay(2);
                }
            }
        }).ToArray();

        await Task.WhenAll(writers);
        await writersDone.CancelAsync();
        var deliveries = await Task.WhenAll(consumers);

        foreach (var delivered in deliveries)
        {
            Assert.That(delivered.Select(e => e.EventId), Is.EquivalentTo(committed), "delivered must equal committed, without loss or duplicates");
            Assert.That(delivered.Select(e => e.LogPosition), Is.Ordered.Ascending);
        }
    }
}
