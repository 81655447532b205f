using NUnit.Framework;

namespace FraiseEvents.Conformance;

public abstract partial class EventStoreContract
{
    [Test]
    public async Task An_append_whose_token_is_cancelled_before_the_call_writes_nothing()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1)); // warm: a pooled connection opens without a round trip

        Assert.CatchAsync<OperationCanceledException>(() =>
            store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(3), cancellationToken: new CancellationToken(canceled: true)));

        Assert.That(await store.GetStreamStateAsync(streamId), Is.Null);
    }

    [Test]
    public async Task Append_to_a_new_stream_returns_its_version_and_increasing_positions()
    {
        var store = await CreateStoreAsync();
        var result = await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(3));

        Assert.That(result.NextExpectedVersion, Is.EqualTo(new StreamVersion(3)));
        Assert.That(result.WasAlreadyAppended, Is.False);
        Assert.That(result.GlobalPositions, Has.Count.EqualTo(3));
        Assert.That(result.GlobalPositions, Is.Ordered.Ascending);
        Assert.That(result.GlobalPositions.Distinct().Count(), Is.EqualTo(3));
        Assert.That(result.LogPosition.GlobalPosition, Is.EqualTo(result.GlobalPositions[^1].Value));
    }

    [Test]
    public async Task Appended_events_read_back_equal_with_types_versions_and_ids()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        var userId = Guid.NewGuid();
        NewEvent[] events =
        [
            new(new UserCreated(userId, "Ada", "ada@example.com")),
            new(new UserUpdated(userId, Name: "Ada Lovelace")),
            new(new UserDeleted(userId)),
        ];
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, events);

        var read = await ReadStream(store, streamId);

        Assert.That(read.Select(e => e.Data), Is.EqualTo(events.Select(e => e.Data)));
        Assert.That(read.Select(e => e.EventId), Is.EqualTo(events.Select(e => e.EventId)));
        Assert.That(read.Select(e => e.Version.Value), Is.EqualTo(new long[] { 1, 2, 3 }));
        Assert.That(read.Select(e => e.EventType), Is.EqualTo(new[] { "USER_CREATED", "USER_UPDATED", "USER_DELETED" }));
        Assert.That(read.Select(e => e.SchemaVersion), Is.All.EqualTo(1));
        Assert.That(read.Select(e => e.StreamId), Is.All.EqualTo(streamId));
    }

    [Test]
    public async Task Events_of_one_append_share_one_time_and_time_never_decreases_within_a_stream()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        var first = await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(3));
        var second = await store.AppendAsync(streamId, ExpectedVersion.Exactly(3), TestEvents.Batch(2));

        var read = await ReadStream(store, streamId);

        Assert.That(read.Take(3).Select(e => e.CreatedAt), Is.All.EqualTo(first.CreatedAt));
        Assert.That(read.Skip(3).Select(e => e.CreatedAt), Is.All.EqualTo(second.CreatedAt));
        Assert.That(read.Select(e => e.CreatedAt), Is.Ordered.Ascending);
        Assert.That(first.CreatedAt.Offset, Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public async Task Metadata_round_trips_per_append_and_per_event_merged_over_the_appends()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        var user = Guid.NewGuid();
        var appendMetadata = new EventMetadata
        {
            CorrelationId = "corr-1",
            CausationId = "cmd-7",
            CreatedBy = user,
            Headers = new Dictionary<string, string> { ["tenant"] = "acme", ["client"] = "web/2.1" },
        };
        var ownMetadata = new EventMetadata { CorrelationId = "corr-2", Headers = new Dictionary<string, string> { ["client"] = "cli/1.0", ["step"] = "2" } };
        NewEvent[] events = [new(TestEvents.Created()), new(TestEvents.Created()) { Metadata = ownMetadata }, new(TestEvents.Created())];

        await store.AppendAsync(streamId, ExpectedVersion.NoStream, events, new AppendOptions { Metadata = appendMetadata });
        var read = await ReadStream(store, streamId);

        Assert.That(read[0].Metadata, Is.EqualTo(appendMetadata));
        // The event's own values win, header by header; what it leaves unset is the append's, so it
        // keeps its author (and its place in the audit trail by author) and its causation.
        Assert.That(read[1].Metadata, Is.EqualTo(new EventMetadata
        {
            CorrelationId = "corr-2",
            CausationId = "cmd-7",
            CreatedBy = user,
            Headers = new Dictionary<string, string> { ["tenant"] = "acme", ["client"] = "cli/1.0", ["step"] = "2" },
        }));
        Assert.That(read[2].Metadata.Headers["client"], Is.EqualTo("web/2.1"));
        Assert.That(read[2].Metadata.CreatedBy, Is.EqualTo(user));
    }

    [Test]
    public async Task Events_without_metadata_read_back_with_empty_metadata()
    {
        var store = await CreateStoreAsync();
        var streamId = await StreamWithEvents(store, 1);

        var read = await ReadStream(store, streamId);

        Assert.That(read[0].Metadata.IsEmpty, Is.True);
    }

    [Test]
    public async Task Stream_type_is_recorded_at_creation_and_a_different_type_is_refused()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1), new AppendOptions { StreamType = "User" });

        var mismatch = Assert.ThrowsAsync<StreamTypeMismatchException>(() =>
            store.AppendAsync(streamId, ExpectedVersion.Any, TestEvents.Batch(1), new AppendOptions { StreamType = "Order" }));
        await store.AppendAsync(streamId, ExpectedVersion.Exactly(1), TestEvents.Batch(1));
        var state = await store.GetStreamStateAsync(streamId);

        Assert.That(mismatch!.ActualType, Is.EqualTo("User"));
        Assert.That(mismatch.Message, Does.Contain(streamId.ToString()).And.Contain("Order"));
        Assert.That(state!.StreamType, Is.EqualTo("User"));
        Assert.That(state.Version, Is.EqualTo(new StreamVersion(2)));
    }

    [Test]
    public async Task Stream_state_is_null_for_a_missing_stream_and_describes_an_existing_one()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        Assert.That(await store.GetStreamStateAsync(streamId), Is.Null);

        var first = await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(2));
        var second = await store.AppendAsync(streamId, ExpectedVersion.Exactly(2), TestEvents.Batch(3));
        var state = await store.GetStreamStateAsync(streamId);

        Assert.That(state, Is.Not.Null);
        Assert.That(state!.StreamId, Is.EqualTo(streamId));
        Assert.That(state.Version, Is.EqualTo(new StreamVersion(5)));
        Assert.That(state.CreatedAt, Is.EqualTo(first.CreatedAt));
        Assert.That(state.UpdatedAt, Is.EqualTo(second.CreatedAt));
    }
}
