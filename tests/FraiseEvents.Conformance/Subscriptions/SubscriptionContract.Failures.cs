using FraiseEvents.Subscriptions;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Subscriptions;

public abstract partial class SubscriptionContract
{
    [Test]
    public async Task A_handler_that_keeps_failing_faults_the_subscription_naming_the_event_and_keeps_the_checkpoint_before_it()
    {
        var store = await CreateStoreAsync();
        var events = await AppendEventsAsync(store, 5);
        var poison = events[2];
        var attempts = 0;
        var deliveries = new Deliveries();
        await using var subscription = new Subscription("poisoned", store, (e, ct) =>
        {
            if (e.EventId == poison.EventId)
            {
                Interlocked.Increment(ref attempts);
                throw new InvalidOperationException("the mail server said no");
            }

            return deliveries.Handle(e, ct);
        }, Fast(o => o.MaxRetries = 2));

        await subscription.StartAsync();
        await WaitUntilAsync(() => subscription.Status.State == SubscriptionState.Faulted, "the subscription to fault");

        var fault = subscription.Status.Fault!;
        Assert.That(attempts, Is.EqualTo(3), "the first attempt and 2 retries");
        Assert.That(fault.Attempts, Is.EqualTo(3));
        Assert.That(fault.EventId, Is.EqualTo(poison.EventId));
        Assert.That(fault.StreamId, Is.EqualTo(poison.StreamId));
        Assert.That(fault.Position, Is.EqualTo(poison.LogPosition));
        Assert.That(fault.EventType, Is.EqualTo("USER_CREATED"));
        Assert.That(fault.Error, Is.TypeOf<InvalidOperationException>());
        Assert.That(fault.Message, Does.Contain(poison.EventId.ToString()).And.Contain(poison.StreamId.ToString())
            .And.Contain(poison.LogPosition.ToString()).And.Contain("the mail server said no").And.Contain("poisoned"));
        Assert.That(deliveries.Events.Select(e => e.EventId), Is.EqualTo(events.Take(2).Select(e => e.EventId)), "nothing after the poison event");
        Assert.That(await ((ICheckpointStore)store).ReadCheckpointAsync("poisoned"), Is.EqualTo(events[1].LogPosition),
            "the checkpoint keeps what was handled and nothing past the failing event");

        // After the fix, a start resumes with the failing event.
        var fixedRun = new Deliveries();
        await using var resumed = new Subscription("poisoned", store, fixedRun.Handle, Fast());
        await resumed.StartAsync();
        await fixedRun.WaitForAsync(events.Skip(2).Select(e => e.EventId));
        await resumed.StopAsync();
        Assert.That(fixedRun.Events.Select(e => e.EventId), Is.EqualTo(events.Skip(2).Select(e => e.EventId)));
    }

    [Test]
    public async Task A_handler_that_fails_fewer_times_than_the_retries_delivers_everything()
    {
        var store = await CreateStoreAsync();
        var events = await AppendEventsAsync(store, 3);
        var failuresLeft = 2;
        var deliveries = new Deliveries();
        await using var subscription = new Subscription("flaky", store, (e, ct) =>
        {
            if (e.EventId == events[1].EventId && Interlocked.Decrement(ref failuresLeft) >= 0)
            {
                throw new TimeoutException("try again");
            }

            return deliveries.Handle(e, ct);
        }, Fast(o => o.MaxRetries = 2));

        await subscription.StartAsync();
        await deliveries.WaitForAsync(events.Select(e => e.EventId));
        await subscription.StopAsync();

        Assert.That(deliveries.Events.Select(e => e.EventId), Is.EqualTo(events.Select(e => e.EventId)));
        Assert.That(subscription.Status.Fault, Is.Null);
    }

    [Test]
    public async Task A_second_instance_that_moves_the_checkpoint_stops_the_first_instead_of_both_running()
    {
        var store = await CreateStoreAsync();
        var events = await AppendEventsAsync(store, 2);
        var deliveries = new Deliveries();
        await using var first = new Subscription("single", store, deliveries.Handle, Fast(o => o.CheckpointAfterEvents = 1));
        await first.StartAsync();
        await deliveries.WaitForAsync(events.Select(e => e.EventId));
        await WaitUntilAsync(() => first.Status.Checkpoint == events[^1].LogPosition, "the first instance to store its checkpoint");

        await ((ICheckpointStore)store).ResetCheckpointAsync("single");
        var more = await AppendEventsAsync(store, 1);
        await WaitUntilAsync(() => first.Status.State == SubscriptionState.Faulted, "the first instance to find its checkpoint moved");

        Assert.That(first.Status.Fault!.Message, Does.Contain("another instance"));
        Assert.That(first.Status.Fault.EventId, Is.Null);
        Assert.That(more, Has.Count.EqualTo(1));
    }

    [Test]
    public void Options_out_of_range_are_refused_naming_the_setting()
    {
        var store = new InMemory.InMemoryEventStore();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Subscription("x", store, (_, _) => ValueTask.CompletedTask,
            new SubscriptionOptions { CheckpointAfterEvents = 0 }));
        Assert.That(error!.Message, Does.Contain("CheckpointAfterEvents"));
        Assert.Throws<ArgumentException>(() => _ = new Subscription("", store, (_, _) => ValueTask.CompletedTask));
    }
}
