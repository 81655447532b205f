using FraiseEvents.Subscriptions;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Subscriptions;

public abstract partial class SubscriptionContract
{
    [Test]
    public async Task Every_event_is_delivered_once_in_log_order_while_writers_append_concurrently()
    {
        var store = await CreateStoreAsync();
        var before = await AppendEventsAsync(store, 10);
        var deliveries = new Deliveries();
        await using var subscription = new Subscription("all", store, deliveries.Handle, Fast(o => o.BatchSize = 7));
        await subscription.StartAsync();

        var appended = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        var failures = await Concurrently.Run(4, async writer =>
        {
            for (var i = 0; i < 20; i++)
            {
                var batch = TestEvents.Batch(1 + (i % 2));
                await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, batch);
                foreach (var e in batch)
                {
                    appended.Add(e.EventId);
                }
            }
        });
        Assert.That(failures, Is.All.Null);

        var expected = before.Select(e => e.EventId).Concat(appended).ToList();
        await deliveries.WaitForAsync(expected);
        await subscription.StopAsync();

        Assert.That(deliveries.Events.Select(e => e.EventId), Is.EquivalentTo(expected));
        AssertInLogOrderWithoutDuplicates(deliveries.Events);
    }

    [Test]
    public async Task An_append_whose_transaction_commits_late_is_delivered_once_in_its_place()
    {
        var store = await CreateStoreAsync();
        var deliveries = new Deliveries();
        await using var subscription = new Subscription("late", store, deliveries.Handle, Fast());
        await subscription.StartAsync();
        var first = await AppendEventsAsync(store, 1);
        await deliveries.WaitForAsync([first[0].EventId]);

        // The open transaction takes its place in the log before the appends that commit after it started.
        var (late, commit) = await AppendInOpenTransactionAsync(store);
        var others = TestEvents.Batch(2);
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [others[0]]);
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [others[1]]);
        await Task.Delay(200); // lets the subscription poll while the transaction is open; nothing is asserted about time
        await commit();

        Guid[] expected = [first[0].EventId, late, others[0].EventId, others[1].EventId];
        await deliveries.WaitForAsync(expected);
        await subscription.StopAsync();

        Assert.That(deliveries.Events.Select(e => e.EventId), Is.EquivalentTo(expected));
        AssertInLogOrderWithoutDuplicates(deliveries.Events);
        var log = await ReadWholeLogAsync(store);
        Assert.That(deliveries.Events.Select(e => e.EventId), Is.EqualTo(log.Select(e => e.EventId)), "delivered in the log's order");
    }

    [Test]
    public async Task A_graceful_stop_stores_the_checkpoint_and_a_restart_delivers_only_what_came_after()
    {
        var store = await CreateStoreAsync();
        var firstBatch = await AppendEventsAsync(store, 5);
        var deliveries = new Deliveries();
        await using var subscription = new Subscription("restartable", store, deliveries.Handle,
            Fast(o => o.CheckpointInterval = TimeSpan.FromHours(1)));

        await subscription.StartAsync();
        await deliveries.WaitForAsync(firstBatch.Select(e => e.EventId));
        await subscription.StopAsync();

        Assert.That(subscription.Status.State, Is.EqualTo(SubscriptionState.Stopped));
        Assert.That(await ((ICheckpointStore)store).ReadCheckpointAsync("restartable"), Is.EqualTo(firstBatch[^1].LogPosition),
            "a graceful stop stores the checkpoint whatever the interval");

        var secondBatch = await AppendEventsAsync(store, 3);
        await subscription.StartAsync();
        await deliveries.WaitForAsync(secondBatch.Select(e => e.EventId));
        await subscription.StopAsync();

        Assert.That(deliveries.Events.Select(e => e.EventId), Is.EqualTo(firstBatch.Concat(secondBatch).Select(e => e.EventId)));
    }

    /// <summary>
    /// The at-least-once window: after a stop that does not complete (a crash, or a cancelled stop),
    /// a restart delivers again exactly the events handled after the last stored checkpoint, plus
    /// the one that was being handled, and nothing before them.
    /// </summary>
    [Test]
    public async Task After_an_abandoned_run_a_restart_delivers_again_only_the_events_after_the_stored_checkpoint()
    {
        var store = await CreateStoreAsync();
        var events = await AppendEventsAsync(store, 12);
        var stuck = events[7];
        var entered = new TaskCompletionSource();
        var firstRun = new Deliveries();
        await using var crashing = new Subscription("window", store, async (e, ct) =>
        {
            if (e.EventId == stuck.EventId)
            {
                entered.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }

            await firstRun.Handle(e, ct);
        }, Fast(o =>
        {
            o.CheckpointAfterEvents = 5;
            o.CheckpointInterval = TimeSpan.FromHours(1);
        }));
        await crashing.StartAsync();
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(90));

        await crashing.StopAsync(new CancellationToken(canceled: true));

        Assert.That(crashing.Status.State, Is.EqualTo(SubscriptionState.Stopped));
        Assert.That(firstRun.Events.Select(e => e.EventId), Is.EqualTo(events.Take(7).Select(e => e.EventId)));
        Assert.That(await ((ICheckpointStore)store).ReadCheckpointAsync("window"), Is.EqualTo(events[4].LogPosition),
            "stored after every 5 handled events, and not when the stop was abandoned");

        var secondRun = new Deliveries();
        await using var restarted = new Subscription("window", store, secondRun.Handle, Fast());
        await restarted.StartAsync();
        await secondRun.WaitForAsync(events.Select(e => e.EventId).Skip(5));
        await restarted.StopAsync();

        Assert.That(secondRun.Events.Select(e => e.EventId), Is.EqualTo(events.Skip(5).Select(e => e.EventId)),
            "events 6 and 7 (handled after the checkpoint) and 8 (being handled) come again; 1 to 5 do not");
    }

    [Test]
    public async Task Starting_from_now_delivers_only_events_that_appear_after_the_start()
    {
        var store = await CreateStoreAsync();
        await AppendEventsAsync(store, 3);
        var deliveries = new Deliveries();
        await using var subscription = new Subscription("from-now", store, deliveries.Handle, Fast(o => o.StartFrom = SubscriptionStart.Now));
        await subscription.StartAsync();

        var later = await AppendEventsAsync(store, 2);
        await deliveries.WaitForAsync(later.Select(e => e.EventId));
        await subscription.StopAsync();

        Assert.That(deliveries.Events.Select(e => e.EventId), Is.EqualTo(later.Select(e => e.EventId)));
    }

    [Test]
    public async Task Starting_from_the_beginning_delivers_everything_again_whatever_the_stored_checkpoint()
    {
        var store = await CreateStoreAsync();
        var events = await AppendEventsAsync(store, 4);
        await ((ICheckpointStore)store).ResetCheckpointAsync("replay", events[^1].LogPosition);
        var deliveries = new Deliveries();
        await using var subscription = new Subscription("replay", store, deliveries.Handle, Fast(o => o.StartFrom = SubscriptionStart.Beginning));

        await subscription.StartAsync();
        await deliveries.WaitForAsync(events.Select(e => e.EventId));
        await subscription.StopAsync();

        Assert.That(deliveries.Events.Select(e => e.EventId), Is.EqualTo(events.Select(e => e.EventId)));
    }
}
