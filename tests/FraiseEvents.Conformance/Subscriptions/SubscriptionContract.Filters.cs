using FraiseEvents.Subscriptions;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Subscriptions;

public abstract partial class SubscriptionContract
{
    [Test]
    public async Task A_subscription_filtered_by_event_type_gets_only_those_events()
    {
        var store = await CreateStoreAsync();
        var events = await AppendEventsAsync(store, 10, make: i => i % 3 == 0 ? TestEvents.Created(i) : new MeasurementTaken(i));
        var deliveries = new Deliveries();
        await using var subscription = new Subscription("users", store, deliveries.Handle,
            Fast(o => { o.EventTypes.Add("USER_CREATED"); o.BatchSize = 4; }));

        await subscription.StartAsync();
        var users = events.Where(e => e.Data is UserCreated).ToList();
        await deliveries.WaitForAsync(users.Select(e => e.EventId));
        await WaitUntilAsync(() => subscription.Status.Position == events[^1].LogPosition, "the subscription to pass the last event");
        await subscription.StopAsync();

        Assert.That(deliveries.Events.Select(e => e.EventId), Is.EqualTo(users.Select(e => e.EventId)));
    }

    [Test]
    public async Task A_subscription_filtered_by_stream_type_gets_only_the_events_of_those_streams()
    {
        var store = await CreateStoreAsync();
        var sensors = await AppendEventsAsync(store, 3, streamType: "sensor", make: i => new MeasurementTaken(i));
        var users = await AppendEventsAsync(store, 3, streamType: "user");
        var untyped = await AppendEventsAsync(store, 2);
        var deliveries = new Deliveries();
        await using var subscription = new Subscription("sensors", store, deliveries.Handle, Fast(o => o.StreamTypes.Add("sensor")));

        await subscription.StartAsync();
        await deliveries.WaitForAsync(sensors.Select(e => e.EventId));
        await WaitUntilAsync(() => subscription.Status.Position == untyped[^1].LogPosition, "the subscription to pass the last event");
        await subscription.StopAsync();

        Assert.That(deliveries.Events.Select(e => e.EventId), Is.EqualTo(sensors.Select(e => e.EventId)));
        Assert.That(users, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task The_checkpoint_moves_past_events_the_filter_leaves_out()
    {
        var store = await CreateStoreAsync();
        var others = await AppendEventsAsync(store, 30, make: i => new MeasurementTaken(i));
        var deliveries = new Deliveries();
        await using var subscription = new Subscription("rare", store, deliveries.Handle, Fast(o =>
        {
            o.EventTypes.Add("USER_CREATED");
            o.BatchSize = 10;
            o.CheckpointInterval = TimeSpan.FromMilliseconds(1);
        }));
        await subscription.StartAsync();

        await WaitUntilAsync(async () => await ((ICheckpointStore)store).ReadCheckpointAsync("rare") == others[^1].LogPosition,
            "the stored checkpoint to reach the last filtered-out event while running");
        Assert.That(deliveries.Count, Is.Zero);

        var wanted = await AppendEventsAsync(store, 1);
        await deliveries.WaitForAsync([wanted[0].EventId]);
        await subscription.StopAsync();
        Assert.That(deliveries.Events.Select(e => e.EventId), Is.EqualTo(new[] { wanted[0].EventId }));
    }

    [Test]
    public async Task A_subscription_filtered_by_stream_id_gets_only_the_events_of_those_streams_and_moves_past_the_others()
    {
        var store = await CreateStoreAsync();
        StreamId first = StreamId.New(), second = StreamId.New(), other = StreamId.New();
        var wanted = new List<Guid>();
        var all = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            foreach (var stream in new[] { first, second, other })
            {
                var newEvent = new NewEvent(new MeasurementTaken(i));
                await store.AppendAsync(stream, ExpectedVersion.Any, [newEvent]);
                all.Add(newEvent.EventId);
                if (stream != other)
                {
                    wanted.Add(newEvent.EventId);
                }
            }
        }

        var log = await WaitForLogAsync(store, all);
        var deliveries = new Deliveries();
        await using var subscription = new Subscription("two-streams", store, deliveries.Handle, Fast(o =>
        {
            o.StreamIds.Add(first);
            o.StreamIds.Add(second);
            o.BatchSize = 2;
        }));

        await subscription.StartAsync();
        await deliveries.WaitForAsync(wanted);
        await WaitUntilAsync(() => subscription.Status.Position == log[^1].LogPosition, "the subscription to pass the last event, of the other stream");
        await subscription.StopAsync();

        Assert.That(deliveries.Events.Select(e => e.EventId), Is.EqualTo(wanted));
        Assert.That(deliveries.Events.Select(e => e.StreamId), Has.None.EqualTo(other));
    }
}
