using NUnit.Framework;

namespace FraiseEvents.Conformance;

public abstract partial class EventStoreContract
{
    private static IEnumerable<TestCaseData> RetryExpectations()
    {
        yield return new TestCaseData("no stream").SetArgDisplayNames("no stream");
        yield return new TestCaseData("exactly 0").SetArgDisplayNames("exactly 0");
        yield return new TestCaseData("any").SetArgDisplayNames("any");
        yield return new TestCaseData("stream exists").SetArgDisplayNames("stream exists");
    }

    [Test]
    public async Task Both_kinds_of_conflict_are_concurrency_exceptions_naming_the_stream_so_one_retry_loop_catches_them()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        var first = new NewEvent(TestEvents.Created(1));
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, [first]);

        var wrongVersion = Assert.CatchAsync<ConcurrencyException>(() =>
            store.AppendAsync(streamId, ExpectedVersion.Exactly(9), [new NewEvent(TestEvents.Created(2))]));
        var reusedId = Assert.CatchAsync<ConcurrencyException>(() =>
            store.AppendAsync(streamId, ExpectedVersion.Any, [new NewEvent(TestEvents.Created(3)) { EventId = first.EventId }]));

        Assert.That(wrongVersion, Is.TypeOf<WrongExpectedVersionException>());
        Assert.That(reusedId, Is.TypeOf<IdempotencyConflictException>());
        Assert.That(new[] { wrongVersion!.StreamId, reusedId!.StreamId }, Is.All.EqualTo(streamId));
    }

    [TestCaseSource(nameof(RetryExpectations))]
    public async Task Retrying_an_append_that_committed_succeeds_without_writing_twice(string expectation)
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        var events = TestEvents.Batch(3);
        var expected = ParseExpectation(expectation);
        var first = await store.AppendAsync(streamId, expectation == "stream exists" ? ExpectedVersion.NoStream : expected, events);

        var retry = await store.AppendAsync(streamId, expected, events);

        Assert.That(retry.WasAlreadyAppended, Is.True);
        Assert.That(retry.NextExpectedVersion, Is.EqualTo(first.NextExpectedVersion));
        Assert.That(retry.GlobalPositions, Is.EqualTo(first.GlobalPositions));
        Assert.That(await ReadStream(store, streamId), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Retrying_with_the_exact_version_after_later_appends_is_still_recognised()
    {
        var store = await CreateStoreAsync();
        var streamId = await StreamWithEvents(store, 2);
        var events = TestEvents.Batch(2);
        await store.AppendAsync(streamId, ExpectedVersion.Exactly(2), events);
        await store.AppendAsync(streamId, ExpectedVersion.Exactly(4), TestEvents.Batch(1));

        var retry = await store.AppendAsync(streamId, ExpectedVersion.Exactly(2), events);

        Assert.That(retry.WasAlreadyAppended, Is.True);
        Assert.That(retry.NextExpectedVersion, Is.EqualTo(new StreamVersion(4)));
        Assert.That(await ReadStream(store, streamId), Has.Count.EqualTo(5));
    }

    [Test]
    public async Task Retrying_part_of_a_committed_batch_on_its_own_is_recognised_too()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        var events = TestEvents.Batch(3);
        var first = await store.AppendAsync(streamId, ExpectedVersion.NoStream, events);

        var head = await store.AppendAsync(streamId, ExpectedVersion.NoStream, events[..1]);
        var tail = await store.AppendAsync(streamId, ExpectedVersion.Exactly(1), events[1..]);
        var last = await store.AppendAsync(streamId, ExpectedVersion.Any, events[2..]);

        Assert.That(new[] { head, tail, last }.Select(r => r.WasAlreadyAppended), Is.All.True);
        Assert.That(head.GlobalPositions, Is.EqualTo(first.GlobalPositions.Take(1)));
        Assert.That(tail.GlobalPositions, Is.EqualTo(first.GlobalPositions.Skip(1)));
        Assert.That(new[] { head, tail, last }.Select(r => r.NextExpectedVersion), Is.All.EqualTo(new StreamVersion(3)),
            "each retry reports the stream's version after the original append");
        Assert.That(await ReadStream(store, streamId), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Reusing_an_event_id_for_different_content_is_a_conflict_and_writes_nothing()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        var original = new NewEvent(TestEvents.Created(1));
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, [original]);
        var impostor = new NewEvent(TestEvents.Created(2)) { EventId = original.EventId };

        var conflict = Assert.ThrowsAsync<IdempotencyConflictException>(() => store.AppendAsync(streamId, ExpectedVersion.Any, [impostor]));
        var conflictWithVersion = Assert.ThrowsAsync<WrongExpectedVersionException>(() =>
            store.AppendAsync(streamId, ExpectedVersion.NoStream, [impostor]));

        Assert.That(conflict!.EventIds, Does.Contain(original.EventId));
        Assert.That(conflict.Message, Does.Contain(streamId.ToString()));
        Assert.That(conflictWithVersion, Is.Not.Null);
        Assert.That(await ReadStream(store, streamId), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_retry_that_adds_events_to_stored_ones_is_a_conflict_and_writes_nothing()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        var stored = TestEvents.Batch(2);
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, stored);

        Assert.ThrowsAsync<WrongExpectedVersionException>(() =>
            store.AppendAsync(streamId, ExpectedVersion.NoStream, [.. stored, new NewEvent(TestEvents.Created())]));
        Assert.ThrowsAsync<IdempotencyConflictException>(() =>
            store.AppendAsync(streamId, ExpectedVersion.Any, [stored[1], new NewEvent(TestEvents.Created())]));

        Assert.That(await ReadStream(store, streamId), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task A_retry_with_events_in_another_order_is_a_conflict()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        var stored = TestEvents.Batch(2);
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, stored);

        Assert.ThrowsAsync<IdempotencyConflictException>(() => store.AppendAsync(streamId, ExpectedVersion.Any, [stored[1], stored[0]]));
        Assert.That(await ReadStream(store, streamId), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task The_same_event_id_may_be_used_in_another_stream()
    {
        var store = await CreateStoreAsync();
        var shared = Guid.CreateVersion7();
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [new NewEvent(TestEvents.Created()) { EventId = shared }]);
        var other = StreamId.New();

        var result = await store.AppendAsync(other, ExpectedVersion.NoStream, [new NewEvent(TestEvents.Created()) { EventId = shared }]);

        Assert.That(result.WasAlreadyAppended, Is.False);
        Assert.That((await ReadStream(store, other)).Single().EventId, Is.EqualTo(shared));
    }

    [Test]
    public async Task A_new_event_with_an_unused_id_after_a_wrong_version_is_a_plain_conflict()
    {
        var store = await CreateStoreAsync();
        var streamId = await StreamWithEvents(store, 2);

        var conflict = Assert.ThrowsAsync<WrongExpectedVersionException>(() =>
            store.AppendAsync(streamId, ExpectedVersion.Exactly(1), TestEvents.Batch(1)));

        Assert.That(conflict!.ActualVersion, Is.EqualTo(new StreamVersion(2)));
    }
}
