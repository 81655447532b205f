using NUnit.Framework;

namespace FraiseEvents.Conformance;

public abstract partial class EventStoreContract
{
    [Test]
    public async Task An_append_to_several_streams_writes_each_at_its_version_in_one_transaction_in_the_order_given()
    {
        var store = await CreateStoreAsync();
        var existing = await StreamWithEvents(store, 2);
        var (first, second) = (StreamId.New(), StreamId.New());

        var results = await store.AppendToStreamsAsync(
        [
            new StreamAppend(first, ExpectedVersion.NoStream, TestEvents.Batch(2), new AppendOptions { StreamType = "Order" }),
            new StreamAppend(existing, ExpectedVersion.Exactly(2), TestEvents.Batch(1)),
            new StreamAppend(second, ExpectedVersion.Any, TestEvents.Batch(3)),
        ]);

        Assert.That(results.Select(r => r.NextExpectedVersion.Value), Is.EqualTo(new long[] { 2, 3, 3 }));
        Assert.That(results.Select(r => r.WasAlreadyAppended), Is.All.False);
        Assert.That(results.Select(r => r.LogPosition.TransactionId).Distinct().Count(), Is.EqualTo(1), "one transaction");
        var positions = results.SelectMany(r => r.GlobalPositions).Select(p => p.Value).ToList();
        Assert.That(positions, Is.Ordered.Ascending.And.Unique, "positions follow the order the streams were given");
        Assert.That((await ReadStream(store, first)).Select(e => e.GlobalPosition), Is.EqualTo(results[0].GlobalPositions));
        Assert.That(await ReadStream(store, existing), Has.Count.EqualTo(3));
        Assert.That((await store.GetStreamStateAsync(first))!.StreamType, Is.EqualTo("Order"));
    }

    [Test]
    public async Task A_conflict_on_any_stream_writes_nothing_anywhere_and_names_every_stream_that_did_not_match()
    {
        var store = await CreateStoreAsync();
        var (a, b) = (await StreamWithEvents(store, 2), await StreamWithEvents(store, 1));
        var fresh = StreamId.New();

        var refused = Assert.ThrowsAsync<MultiStreamConflictException>(() => store.AppendToStreamsAsync(
        [
            new StreamAppend(fresh, ExpectedVersion.NoStream, TestEvents.Batch(1)),
            new StreamAppend(a, ExpectedVersion.Exactly(1), TestEvents.Batch(1)),
            new StreamAppend(b, ExpectedVersion.NoStream, TestEvents.Batch(1)),
        ]));

        Assert.That(refused!.Conflicts.Select(c => c.StreamId), Is.EqualTo(new[] { a, b }));
        Assert.That(refused.Conflicts.Cast<WrongExpectedVersionException>().Select(c => c.ActualVersion),
            Is.EqualTo(new StreamVersion?[] { new StreamVersion(2), new StreamVersion(1) }));
        Assert.That(refused.Message, Does.Contain(a.ToString()).And.Contain(b.ToString()));
        Assert.That(refused, Is.InstanceOf<ConcurrencyException>(), "one retry loop catches it with the others");
        Assert.That(await store.GetStreamStateAsync(fresh), Is.Null, "the stream that matched was not created");
        Assert.That((await ReadStream(store, a)).Count + (await ReadStream(store, b)).Count, Is.EqualTo(3));
    }

    [Test]
    public async Task Resending_a_whole_append_to_several_streams_is_a_retry_and_resending_part_of_it_with_new_events_is_refused()
    {
        var store = await CreateStoreAsync();
        var (a, b) = (StreamId.New(), StreamId.New());
        StreamAppend[] call =
        [
            new StreamAppend(a, ExpectedVersion.NoStream, TestEvents.Batch(2)),
            new StreamAppend(b, ExpectedVersion.NoStream, TestEvents.Batch(1)),
        ];
        var first = await store.AppendToStreamsAsync(call);

        var retry = await store.AppendToStreamsAsync(call);
        var mixed = Assert.ThrowsAsync<MultiStreamConflictException>(() => store.AppendToStreamsAsync(
        [
            call[0] with { ExpectedVersion = ExpectedVersion.Any },
            new StreamAppend(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1)),
        ]));

        Assert.That(retry.Select(r => r.WasAlreadyAppended), Is.All.True);
        Assert.That(retry.Select(r => r.GlobalPositions), Is.EqualTo(first.Select(r => r.GlobalPositions)));
        Assert.That(retry.Select(r => r.NextExpectedVersion), Is.EqualTo(first.Select(r => r.NextExpectedVersion)));
        Assert.That(mixed!.Conflicts.Single(), Is.TypeOf<IdempotencyConflictException>().And.Property(nameof(ConcurrencyException.StreamId)).EqualTo(a));
        Assert.That(await ReadWholeLogOf(store, a, b), Has.Count.EqualTo(3), "nothing written twice, nothing half-written");
    }

    [Test]
    public async Task An_append_to_several_streams_refuses_bad_arguments_before_writing_anything()
    {
        var store = await CreateStoreAsync();
        var a = StreamId.New();

        Assert.ThrowsAsync<ArgumentNullException>(() => store.AppendToStreamsAsync(null!));
        Assert.ThrowsAsync<ArgumentException>(() => store.AppendToStreamsAsync([]));
        var twice = Assert.ThrowsAsync<ArgumentException>(() => store.AppendToStreamsAsync(
            [new StreamAppend(a, ExpectedVersion.Any, TestEvents.Batch(1)), new StreamAppend(a, ExpectedVersion.Any, TestEvents.Batch(1))]));
        Assert.ThrowsAsync<ArgumentException>(() => store.AppendToStreamsAsync(
            [new StreamAppend(a, ExpectedVersion.NoStream, TestEvents.Batch(1)), new StreamAppend(StreamId.New(), ExpectedVersion.Any, [])]));
        Assert.ThrowsAsync<ArgumentException>(() => store.AppendToStreamsAsync(
            [new StreamAppend(a, ExpectedVersion.NoStream, TestEvents.Batch(1)), new StreamAppend(StreamId.New(), default, TestEvents.Batch(1))]));

        Assert.That(twice!.Message, Does.Contain(a.ToString()));
        Assert.That(await store.GetStreamStateAsync(a), Is.Null);
    }

    [Test]
    public async Task A_stream_type_mismatch_in_an_append_to_several_streams_writes_nothing()
    {
        var store = await CreateStoreAsync();
        var typed = StreamId.New();
        await store.AppendAsync(typed, ExpectedVersion.NoStream, TestEvents.Batch(1), new AppendOptions { StreamType = "User" });
        var fresh = StreamId.New();

        Assert.ThrowsAsync<StreamTypeMismatchException>(() => store.AppendToStreamsAsync(
        [
            new StreamAppend(fresh, ExpectedVersion.NoStream, TestEvents.Batch(1)),
            new StreamAppend(typed, ExpectedVersion.Any, TestEvents.Batch(1), new AppendOptions { StreamType = "Order" }),
        ]));

        Assert.That(await store.GetStreamStateAsync(fresh), Is.Null);
        Assert.That(await ReadStream(store, typed), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Concurrent_appends_naming_the_same_streams_in_opposite_orders_all_complete_with_dense_versions()
    {
        var store = await CreateStoreAsync();
        var (a, b) = (await StreamWithEvents(store, 1), await StreamWithEvents(store, 1));
        const int Writers = 8;

        var outcomes = await RunConcurrently(Writers, i => store.AppendToStreamsAsync(i % 2 == 0
            ? [new StreamAppend(a, ExpectedVersion.Any, TestEvents.Batch(1)), new StreamAppend(b, ExpectedVersion.Any, TestEvents.Batch(2))]
            : [new StreamAppend(b, ExpectedVersion.Any, TestEvents.Batch(2)), new StreamAppend(a, ExpectedVersion.Any, TestEvents.Batch(1))]));

        Assert.That(outcomes, Is.All.Null, "no deadlock, no conflict: Any accepts every order");
        Assert.That((await ReadStream(store, a)).Select(e => e.Version.Value), Is.EqualTo(Enumerable.Range(1, 1 + Writers).Select(v => (long)v)));
        Assert.That((await ReadStream(store, b)).Select(e => e.Version.Value), Is.EqualTo(Enumerable.Range(1, 1 + (2 * Writers)).Select(v => (long)v)));
    }

    private static async Task<List<RecordedEvent>> ReadWholeLogOf(IEventStore store, params StreamId[] streams)
    {
        var events = new List<RecordedEvent>();
        foreach (var stream in streams)
        {
            events.AddRange(await ReadStream(store, stream));
        }

        return events;
    }
}
