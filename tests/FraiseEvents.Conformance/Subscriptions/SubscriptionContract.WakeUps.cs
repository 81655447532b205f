using FraiseEvents.Subscriptions;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Subscriptions;

public abstract partial class SubscriptionContract
{
    [Test]
    public async Task A_live_subscription_receives_an_append_of_its_store_without_waiting_for_its_poll_interval()
    {
        var store = await CreateStoreAsync();
        var deliveries = new Deliveries();
        // An hour between polls: only a wake-up can deliver within the test's patience.
        await using var subscription = new Subscription("woken", store, deliveries.Handle, Fast(o =>
        {
            o.StartFrom = SubscriptionStart.Now;
            o.PollInterval = TimeSpan.FromHours(1);
        }));
        await subscription.StartAsync();
        await WaitUntilAsync(() => subscription.Status.State == SubscriptionState.Live, "the subscription to reach the end of the log");

        for (var i = 0; i < 3; i++)
        {
            var newEvent = new NewEvent(TestEvents.Created(i));
            await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [newEvent]);
            await deliveries.WaitForAsync([newEvent.EventId]);
        }

        Assert.That(deliveries.Count, Is.EqualTo(3));
    }

    [Test]
    public async Task The_status_says_how_far_behind_a_subscription_is_and_zero_once_it_has_caught_up()
    {
        var store = await CreateStoreAsync();
        var events = await AppendEventsAsync(store, 5);
        using var gate = new SemaphoreSlim(0);
        var deliveries = new Deliveries();
        await using var subscription = new Subscription("lagging", store, async (e, ct) =>
        {
            await deliveries.Handle(e, ct);
            if (e.EventId == events[1].EventId)
            {
                await gate.WaitAsync(ct); // held on the second event, after the first page was counted
            }
        }, Fast(o => o.BatchSize = 1));

        await subscription.StartAsync();
        await WaitUntilAsync(() => subscription.Status.EventsBehind is > 0, "the status to show the events still to read");
        var behind = subscription.Status;
        Assert.That(behind.EventsBehind, Is.GreaterThanOrEqualTo(3), "at least the three events after the second are still to read");
        Assert.That(behind.TimeBehind, Is.GreaterThanOrEqualTo(TimeSpan.Zero));

        gate.Release();
        await deliveries.WaitForAsync(events.Select(e => e.EventId));
        await WaitUntilAsync(() => subscription.Status is { State: SubscriptionState.Live, EventsBehind: 0 },
            "the status to show the subscription caught up");
        Assert.That(subscription.Status.TimeBehind, Is.EqualTo(TimeSpan.Zero));
        Assert.That(subscription.Status.HoldUp, Is.Null);
    }
}
