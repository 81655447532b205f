using NUnit.Framework;

namespace FraiseEvents.Conformance;

public abstract partial class EventStoreContract
{
    // The global log shows an event only once every transaction that started writing before it has
    // ended, anywhere in the cluster. Tests in parallel would hold such transactions, so these run alone.

    [Test]
    [NonParallelizable]
    public async Task The_global_log_holds_every_event_once_in_log_position_order()
    {
        var store = await CreateStoreAsync();
        var appended = new List<Guid>();
        var streams = Enumerable.Range(0, 4).Select(_ => StreamId.New()).ToArray();
        for (var round = 0; round < 3; round++)
        {
            foreach (var streamId in streams)
            {
                var events = TestEvents.Batch(round + 1);
                await store.AppendAsync(streamId, ExpectedVersion.Any, events);
                appended.AddRange(events.Select(e => e.EventId));
            }
        }

        var log = await ReadWholeLog(store);

        Assert.That(log.Select(e => e.EventId), Is.EqualTo(appended));
        Assert.That(log.Select(e => e.LogPosition), Is.Ordered.Ascending);
        Assert.That(log.Select(e => e.LogPosition).Distinct().Count(), Is.EqualTo(log.Count));
        Assert.That(log.Select(e => e.GlobalPosition), Is.Ordered.Ascending);
    }

    [Test]
    [NonParallelizable]
    public async Task Paging_the_global_log_returns_every_event_exactly_once()
    {
        var store = await CreateStoreAsync();
        var appended = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            var events = TestEvents.Batch(i % 3 + 1);
            await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, events);
            appended.AddRange(events.Select(e => e.EventId));
        }

        var paged = await ReadWholeLog(store, pageSize: 4);

        Assert.That(paged.Select(e => e.EventId), Is.EqualTo(appended));
    }

    [Test]
    [NonParallelizable]
    public async Task Reading_the_global_log_after_a_checkpoint_returns_only_later_events()
    {
        var store = await CreateStoreAsync();
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(3));
        var checkpoint = (await ReadWholeLog(store))[^1].LogPosition;
        var later = TestEvents.Batch(2);
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, later);

        var after = await store.ReadAllAsync(checkpoint).ToListAsync();

        Assert.That(after.Select(e => e.EventId), Is.EqualTo(later.Select(e => e.EventId)));
        Assert.That(after.Select(e => e.LogPosition), Is.All.GreaterThan(checkpoint));
    }

    [Test]
    [NonParallelizable]
    public async Task The_append_result_names_the_log_position_the_log_shows()
    {
        var store = await CreateStoreAsync();
        var result = await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(2));

        var log = await ReadWholeLog(store);

        Assert.That(log[^1].LogPosition, Is.EqualTo(result.LogPosition));
        Assert.That(log.Select(e => e.GlobalPosition), Is.EqualTo(result.GlobalPositions));
    }
}
