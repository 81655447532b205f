using FraiseEvents.Subscriptions;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Subscriptions;

public abstract partial class SubscriptionContract
{
    /// <summary>Fast lock attempts, so that a take-over waits for the holder's stop, not for the clock.</summary>
    protected static SubscriptionOptions Leading() => Fast(o =>
    {
        o.LeaseRetryInterval = TimeSpan.FromMilliseconds(20);
        o.CheckpointAfterEvents = 1;
    });

    [Test]
    public async Task Of_two_instances_of_one_name_one_stands_by_and_takes_over_from_the_checkpoint_when_the_other_stops()
    {
        var store = await CreateStoreAsync();
        var first = new Deliveries();
        var second = new Deliveries();
        await using var running = new Subscription("one-of-two", store, first.Handle, Leading());
        await using var standing = new Subscription("one-of-two", store, second.Handle, Leading());
        await running.StartAsync();
        await standing.StartAsync();
        Assert.That(standing.Status.State, Is.EqualTo(SubscriptionState.Standby));

        var before = await AppendEventsAsync(store, 3);
        await first.WaitForAsync(before.Select(e => e.EventId));
        Assert.That(standing.Status.State, Is.EqualTo(SubscriptionState.Standby), "still standing by while the other runs");
        await running.StopAsync();

        await WaitUntilAsync(() => standing.Status.State is SubscriptionState.Live or SubscriptionState.CatchingUp, "the take-over");
        var after = await AppendEventsAsync(store, 2);
        await second.WaitForAsync(after.Select(e => e.EventId));
        Assert.That(first.Events.Select(e => e.EventId), Is.EqualTo(before.Select(e => e.EventId)));
        Assert.That(second.Events.Select(e => e.EventId), Is.EqualTo(after.Select(e => e.EventId)),
            "the new holder continued after the stored checkpoint: nothing skipped, nothing twice");

        await running.StartAsync();
        Assert.That(running.Status.State, Is.EqualTo(SubscriptionState.Standby), "the stopped one now stands by");
    }

    [Test]
    public async Task Without_the_exclusive_lock_two_instances_of_one_name_both_run()
    {
        var store = await CreateStoreAsync();
        await using var one = new Subscription("unlocked", store, new Deliveries().Handle, Fast(o => o.ExclusiveLock = false));
        await using var other = new Subscription("unlocked", store, new Deliveries().Handle, Fast(o => o.ExclusiveLock = false));
        await one.StartAsync();
        await other.StartAsync();

        Assert.That(new[] { one.Status.State, other.Status.State }, Has.None.EqualTo(SubscriptionState.Standby));
    }
}
