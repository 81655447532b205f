using NUnit.Framework;

namespace FraiseEvents.Conformance;

public abstract partial class EventStoreContract
{
    [Test]
    public async Task Reading_forwards_honours_from_and_to_versions()
    {
        var store = await CreateStoreAsync();
        var streamId = await StreamWithEvents(store, 10);

        var middle = await store.ReadStreamAsync(streamId, fromVersion: 3, toVersion: 6).ToListAsync();
        var tail = await store.ReadStreamAsync(streamId, fromVersion: 8).ToListAsync();
        var head = await store.ReadStreamAsync(streamId, toVersion: 2).ToListAsync();
        var beyond = await store.ReadStreamAsync(streamId, fromVersion: 11).ToListAsync();

        Assert.That(middle.Select(e => e.Version.Value), Is.EqualTo(new long[] { 3, 4, 5, 6 }));
        Assert.That(tail.Select(e => e.Version.Value), Is.EqualTo(new long[] { 8, 9, 10 }));
        Assert.That(head.Select(e => e.Version.Value), Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(beyond, Is.Empty);
    }

    [Test]
    public async Task Reading_backwards_returns_newest_first_from_a_version_up_to_a_count()
    {
        var store = await CreateStoreAsync();
        var streamId = await StreamWithEvents(store, 10);

        var all = await store.ReadStreamBackwardsAsync(streamId).ToListAsync();
        var lastThree = await store.ReadStreamBackwardsAsync(streamId, maxCount: 3).ToListAsync();
        var fromFive = await store.ReadStreamBackwardsAsync(streamId, fromVersion: 5, maxCount: 2).ToListAsync();
        var none = await store.ReadStreamBackwardsAsync(streamId, maxCount: 0).ToListAsync();

        Assert.That(all.Select(e => e.Version.Value), Is.EqualTo(Enumerable.Range(1, 10).Reverse().Select(v => (long)v)));
        Assert.That(lastThree.Select(e => e.Version.Value), Is.EqualTo(new long[] { 10, 9, 8 }));
        Assert.That(fromFive.Select(e => e.Version.Value), Is.EqualTo(new long[] { 5, 4 }));
        Assert.That(none, Is.Empty);
    }

    [Test]
    public async Task Reading_a_missing_stream_throws_StreamNotFoundException_naming_it()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();

        var forwards = Assert.ThrowsAsync<StreamNotFoundException>(() => store.ReadStreamAsync(streamId).ToListAsync().AsTask());
        var backwards = Assert.ThrowsAsync<StreamNotFoundException>(() => store.ReadStreamBackwardsAsync(streamId).ToListAsync().AsTask());

        Assert.That(forwards!.StreamId, Is.EqualTo(streamId));
        Assert.That(forwards.Message, Does.Contain(streamId.ToString()));
        Assert.That(backwards!.StreamId, Is.EqualTo(streamId));
    }

    [Test]
    public async Task A_long_stream_reads_completely_in_order()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        for (var batch = 0; batch < 5; batch++)
        {
            await store.AppendAsync(streamId, ExpectedVersion.Exactly(batch * 200), TestEvents.Batch(200));
        }

        var versions = new List<long>();
        await foreach (var recorded in store.ReadStreamAsync(streamId))
        {
            versions.Add(recorded.Version.Value);
        }

        Assert.That(versions, Is.EqualTo(Enumerable.Range(1, 1000).Select(v => (long)v)));
    }

    [Test]
    public async Task A_cancelled_read_stops_with_OperationCanceledException()
    {
        var store = await CreateStoreAsync();
        var streamId = await StreamWithEvents(store, 5);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        Assert.That(async () => await store.ReadStreamAsync(streamId, cancellationToken: cancellation.Token).ToListAsync(),
            Throws.InstanceOf<OperationCanceledException>());
    }
}
