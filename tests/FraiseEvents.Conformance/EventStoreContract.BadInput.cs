using NUnit.Framework;

namespace FraiseEvents.Conformance;

public abstract partial class EventStoreContract
{
    [TestCase(" User")]
    [TestCase("User\t")]
    public async Task A_stream_type_with_stray_white_space_is_refused_and_nothing_is_written(string streamType)
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();

        var ex = Assert.ThrowsAsync<ArgumentException>(() =>
            store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1), new AppendOptions { StreamType = streamType }));

        Assert.That(ex!.Message, Does.Contain("white space"));
        Assert.That(await store.GetStreamStateAsync(streamId), Is.Null);
    }

    [Test]
    public async Task A_null_or_empty_append_is_refused_with_an_argument_error()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();

        Assert.ThrowsAsync<ArgumentNullException>(() => store.AppendAsync(streamId, ExpectedVersion.Any, (IReadOnlyList<NewEvent>)null!));
        var empty = Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(streamId, ExpectedVersion.Any, Array.Empty<NewEvent>()));
        var nullEvent = Assert.ThrowsAsync<ArgumentNullException>(() =>
            store.AppendAsync(streamId, ExpectedVersion.Any, [new NewEvent(TestEvents.Created()), null!]));
        Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(default, ExpectedVersion.Any, TestEvents.Batch(1)));

        Assert.That(empty!.Message, Does.Contain(streamId.ToString()));
        Assert.That(nullEvent!.Message, Does.Contain("Event 1"));
        Assert.That(await store.GetStreamStateAsync(streamId), Is.Null);
    }

    [Test]
    public async Task The_default_expected_version_is_refused_instead_of_read_as_exactly_zero()
    {
        var store = await CreateStoreAsync();
        var fresh = StreamId.New();
        var existing = await StreamWithEvents(store, 1);

        var onFresh = Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(fresh, default, TestEvents.Batch(1)));
        Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(existing, default, TestEvents.Batch(1)));

        Assert.That(onFresh!.Message, Does.Contain("ExpectedVersion.Any").And.Contain(fresh.ToString()));
        Assert.That(await store.GetStreamStateAsync(fresh), Is.Null);
        Assert.That(await ReadStream(store, existing), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Versions_beyond_the_integer_range_cannot_be_made_and_reads_up_to_the_maximum_work()
    {
        var store = await CreateStoreAsync();
        var streamId = await StreamWithEvents(store, 2);

        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new StreamVersion(StreamVersion.MaxValue + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = ExpectedVersion.Exactly(StreamVersion.MaxValue + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = StreamVersion.From(long.MaxValue));

        var all = await store.ReadStreamAsync(streamId, toVersion: new StreamVersion(StreamVersion.MaxValue)).ToListAsync();
        var none = await store.ReadStreamAsync(streamId, fromVersion: new StreamVersion(StreamVersion.MaxValue)).ToListAsync();
        var wrong = Assert.ThrowsAsync<WrongExpectedVersionException>(() =>
            store.AppendAsync(streamId, ExpectedVersion.Exactly(StreamVersion.MaxValue), TestEvents.Batch(1)));

        Assert.That(all, Has.Count.EqualTo(2));
        Assert.That(none, Is.Empty);
        Assert.That(wrong!.ActualVersion, Is.EqualTo(new StreamVersion(2)));
    }

    [Test]
    public async Task Two_events_with_one_id_in_one_append_are_refused()
    {
        var store = await CreateStoreAsync();
        var id = Guid.CreateVersion7();

        var error = Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(StreamId.New(), ExpectedVersion.Any,
            [new NewEvent(TestEvents.Created()) { EventId = id }, new NewEvent(TestEvents.Created()) { EventId = id }]));

        Assert.That(error!.Message, Does.Contain(id.ToString()));
    }

    [Test]
    public async Task An_unregistered_event_type_is_refused_and_named()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();

        var error = Assert.ThrowsAsync<UnknownEventTypeException>(() =>
            store.AppendAsync(streamId, ExpectedVersion.Any, [new NewEvent(new NotRegistered("x"))]));

        Assert.That(error!.ClrType, Is.EqualTo(typeof(NotRegistered)));
        Assert.That(error.Message, Does.Contain(nameof(NotRegistered)).And.Contain("Register"));
        Assert.That(await store.GetStreamStateAsync(streamId), Is.Null);
    }

    [Test]
    public async Task An_event_that_cannot_be_serialized_fails_the_whole_append()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        NewEvent[] events = [new(TestEvents.Created()), new(TestEvents.Created()), new(new MeasurementTaken(double.NaN))];

        var error = Assert.ThrowsAsync<EventSerializationException>(() => store.AppendAsync(streamId, ExpectedVersion.Any, events));

        Assert.That(error!.Message, Does.Contain("Event 2").And.Contain(streamId.ToString()));
        Assert.That(await store.GetStreamStateAsync(streamId), Is.Null);
    }

    [Test]
    public async Task Text_that_PostgreSQL_jsonb_cannot_store_is_refused_before_writing()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        NewEvent[] events = [new(TestEvents.Created()), new(new UserCreated(Guid.NewGuid(), "nul\0byte", "x@example.com"))];

        var error = Assert.ThrowsAsync<EventSerializationException>(() => store.AppendAsync(streamId, ExpectedVersion.Any, events));
        var literalBackslash = await store.AppendAsync(StreamId.New(), ExpectedVersion.Any,
            [new NewEvent(new UserCreated(Guid.NewGuid(), "a\\u0000b", "x@example.com"))]);

        Assert.That(error!.Message, Does.Contain("U+0000"));
        Assert.That(await store.GetStreamStateAsync(streamId), Is.Null);
        Assert.That(literalBackslash.NextExpectedVersion, Is.EqualTo(new StreamVersion(1)));
    }

    [Test]
    public async Task A_lone_surrogate_is_stored_as_the_replacement_character_as_System_Text_Json_writes_it()
    {
        // Invalid UTF-16 cannot be stored as JSON text; System.Text.Json replaces it with U+FFFD
        // before any store sees it, so both stores keep the same value rather than failing differently.
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(Guid.NewGuid(), "a\uD800b", "x@example.com"))]);

        var read = (UserCreated)(await ReadStream(store, streamId))[0].Data;

        Assert.That(read.Name, Is.EqualTo("a\uFFFDb"));
    }

    [Test]
    public async Task An_event_or_an_append_over_the_size_limits_is_refused()
    {
        var store = await CreateStoreAsync(o =>
        {
            o.MaxEventSizeBytes = 1_000;
            o.MaxAppendSizeBytes = 2_500;
        });
        var streamId = StreamId.New();
        var big = new UserCreated(Guid.NewGuid(), new string('x', 1_000), "big@example.com");
        var medium = new UserCreated(Guid.NewGuid(), new string('y', 800), "medium@example.com");

        var tooBig = Assert.ThrowsAsync<EventTooLargeException>(() => store.AppendAsync(streamId, ExpectedVersion.Any, [new NewEvent(big)]));
        var tooMany = Assert.ThrowsAsync<EventTooLargeException>(() => store.AppendAsync(streamId, ExpectedVersion.Any,
            [new NewEvent(medium), new NewEvent(medium), new NewEvent(medium), new NewEvent(medium)]));

        Assert.That(tooBig!.LimitBytes, Is.EqualTo(1_000));
        Assert.That(tooBig.Message, Does.Contain("MaxEventSizeBytes"));
        Assert.That(tooMany!.LimitBytes, Is.EqualTo(2_500));
        Assert.That(await store.GetStreamStateAsync(streamId), Is.Null);
    }

    // The character is passed by its code: a string argument with a lone surrogate does not
    // survive as written (attribute values are stored as UTF-8, test names are sent as text).
    [TestCase(0x0000, "U+0000")]
    [TestCase(0xDBFF, "lone surrogate")]
    public async Task A_stream_type_the_database_cannot_store_is_refused_before_writing(int character, string reason)
    {
        var streamType = "Order" + (char)character;
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();

        var error = Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(streamId, ExpectedVersion.Any, TestEvents.Batch(1),
            new AppendOptions { StreamType = streamType }));

        Assert.That(error!.Message, Does.Contain(streamId.ToString()).And.Contain(reason));
        Assert.That(await store.GetStreamStateAsync(streamId), Is.Null);
    }

    [Test]
    public async Task A_null_header_value_is_refused_naming_the_header_and_nothing_is_written()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();
        var headers = new Dictionary<string, string> { ["tenant"] = "acme", ["trace"] = null! }; // what the test is about
        NewEvent[] events = [new(TestEvents.Created()), new(TestEvents.Created()) { Metadata = new EventMetadata { Headers = headers } }];

        var perEvent = Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(streamId, ExpectedVersion.Any, events));
        var perAppend = Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(streamId, ExpectedVersion.Any, TestEvents.Batch(2),
            new AppendOptions { Metadata = new EventMetadata { Headers = headers } }));

        Assert.That(perEvent!.Message, Does.Contain("'trace'").And.Contain("Event 1").And.Contain(streamId.ToString()));
        Assert.That(perAppend!.Message, Does.Contain("'trace'").And.Contain("Event 0"));
        Assert.That(await store.GetStreamStateAsync(streamId), Is.Null);
    }

    [Test]
    public async Task An_event_whose_raw_JSON_repeats_a_property_name_is_refused_and_nothing_is_written()
    {
        // jsonb keeps the last of repeated keys and the in-memory store would keep both, so the two
        // stores would read back different data; both refuse it instead.
        var store = await CreateStoreAsync(o => o.Events.Register<RawJsonReceived>());
        var streamId = StreamId.New();
        using var repeated = System.Text.Json.JsonDocument.Parse("""{"outer": {"amount": 1, "amount": 2}}""");
        NewEvent[] events = [new(TestEvents.Created()), new(TestEvents.Created()), new(new RawJsonReceived(repeated.RootElement.Clone()))];

        var error = Assert.ThrowsAsync<EventSerializationException>(() => store.AppendAsync(streamId, ExpectedVersion.Any, events));
        using var distinct = System.Text.Json.JsonDocument.Parse("""{"outer": {"amount": 1}, "amount": 2}""");
        await store.AppendAsync(StreamId.New(), ExpectedVersion.Any, [new NewEvent(new RawJsonReceived(distinct.RootElement.Clone()))]);

        Assert.That(error!.Message, Does.Contain("Event 2").And.Contain("amount").And.Contain(streamId.ToString()));
        Assert.That(await store.GetStreamStateAsync(streamId), Is.Null);
    }

    [Test]
    public async Task A_stream_type_longer_than_the_column_is_refused()
    {
        var store = await CreateStoreAsync();
        var streamId = StreamId.New();

        Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(streamId, ExpectedVersion.Any, TestEvents.Batch(1),
            new AppendOptions { StreamType = new string('t', 101) }));

        // Refused in C# before any SQL; on PostgreSQL the column refuses it too, and then the
        // stream's row must not stay behind.
        Assert.That(await store.GetStreamStateAsync(streamId), Is.Null);
    }
}
