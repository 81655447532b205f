using FraiseEvents.Aggregates;
using FraiseEvents.Auditing;
using FraiseEvents.Snapshots;
using NUnit.Framework;

namespace FraiseEvents.Conformance;

/// <summary>
/// Event schema evolution as every store must support it: events written by older versions of an
/// application are read by the current one through upcasters, on every read path.
/// </summary>
public abstract class UpcastingContract
{
    /// <summary>
    /// A new, empty store configured by <paramref name="configure"/>, and a function that opens the
    /// same events with other options (the next version of the application).
    /// </summary>
    protected abstract Task<(IEventStore Store, Func<Action<EventStoreOptions>, Task<IEventStore>> Reopen)> CreateStoreAsync(
        Action<EventStoreOptions> configure);

    [Test]
    [NonParallelizable] // reads the global log
    public async Task Events_written_as_v1_are_read_as_v3_on_every_read_path()
    {
        var (old, reopen) = await CreateStoreAsync(UpcastingSetup.Version1);
        var streamId = StreamId.New();
        await old.AppendAsync(streamId, ExpectedVersion.NoStream,
            [new UserCreatedV1("Ada Lovelace", "ada@example.com"), new UserCreatedV1("Grace Hopper", "grace@example.com")]);
        var current = await reopen(UpcastingSetup.Version3);
        var expected = new[] { UpcastingSetup.Expected("Ada Lovelace", "ada@example.com"), UpcastingSetup.Expected("Grace Hopper", "grace@example.com") };

        var forwards = await current.ReadStreamAsync(streamId).Select(e => e.Data).ToListAsync();
        var backwards = await current.ReadStreamBackwardsAsync(streamId).Select(e => e.Data).ToListAsync();
        var log = await current.ReadAllAsync(LogPosition.Start).ToListAsync();

        Assert.That(forwards, Is.EqualTo(expected));
        Assert.That(backwards, Is.EqualTo(expected.Reverse()));
        Assert.That(log.Select(e => e.Data), Is.EqualTo(expected));
        Assert.That(log.Select(e => (e.EventType, e.SchemaVersion)), Is.All.EqualTo(("USER_CREATED", 3)), "the recorded event says what it is now");
        Assert.That(log.Select(e => (e.StoredEventType, e.StoredSchemaVersion)), Is.All.EqualTo(("USER_CREATED", 1)), "and how it was stored");
    }

    [Test]
    public async Task A_stream_of_v1_v2_and_v3_events_reads_the_same_as_an_all_v3_stream()
    {
        var (v1App, reopen) = await CreateStoreAsync(UpcastingSetup.Version1);
        var v2App = await reopen(UpcastingSetup.Version2);
        var v3App = await reopen(UpcastingSetup.Version3);
        var mixed = StreamId.New();
        var pure = StreamId.New();
        await v1App.AppendAsync(mixed, ExpectedVersion.NoStream, new UserCreatedV1("Ada Lovelace", "a@example.com"));
        await v2App.AppendAsync(mixed, ExpectedVersion.Exactly(1), new UserCreatedV2("Grace", "Hopper", "g@example.com"));
        await v3App.AppendAsync(mixed, ExpectedVersion.Exactly(2), new UserCreatedV3("Edsger", "Dijkstra", "e@example.com", "en"));
        await v1App.AppendAsync(mixed, ExpectedVersion.Exactly(3), new UserSignedUp("Alan Turing", "t@example.com"));
        await v3App.AppendAsync(pure, ExpectedVersion.NoStream, (IEnumerable<object>)
        [
            new UserCreatedV3("Ada", "Lovelace", "a@example.com", "en"), new UserCreatedV3("Grace", "Hopper", "g@example.com", "en"),
            new UserCreatedV3("Edsger", "Dijkstra", "e@example.com", "en"), new UserCreatedV3("Alan", "Turing", "t@example.com", "en"),
        ]);

        var mixedRead = await v3App.ReadStreamAsync(mixed).ToListAsync();
        var pureRead = await v3App.ReadStreamAsync(pure).ToListAsync();

        Assert.That(mixedRead.Select(e => e.StoredSchemaVersion), Is.EqualTo(new[] { 1, 2, 3, 1 }));
        Assert.That(mixedRead.Select(e => e.StoredEventType), Is.EqualTo(new[] { "USER_CREATED", "USER_CREATED", "USER_CREATED", "USER_SIGNED_UP" }));
        Assert.That(mixedRead.Select(e => (e.EventType, e.SchemaVersion)), Is.All.EqualTo(("USER_CREATED", 3)),
            "a renamed event reports the name it was read as, like the others");
        Assert.That(mixedRead.Select(e => e.Data), Is.EqualTo(pureRead.Select(e => e.Data)));
        Assert.That(pureRead.Select(e => e.SchemaVersion), Is.All.EqualTo(3), "appends write the registered type's current version");
    }

    [Test]
    public async Task Appending_the_old_shape_an_upcaster_reads_names_the_current_type_to_append_instead()
    {
        var (_, reopen) = await CreateStoreAsync(UpcastingSetup.Version1);
        var current = await reopen(UpcastingSetup.Version3);
        var streamId = StreamId.New();

        var error = Assert.ThrowsAsync<UnknownEventTypeException>(() =>
            current.AppendAsync(streamId, ExpectedVersion.NoStream, new UserCreatedV2("Ada", "Lovelace", "a@example.com")));

        Assert.That(error!.ClrType, Is.EqualTo(typeof(UserCreatedV2)));
        Assert.That(error.Message, Does.Contain("append the current form, UserCreatedV3 (USER_CREATED)"));
        Assert.That(error.Message, Does.Not.Contain("Register it before appending"));
        Assert.That(await current.GetStreamStateAsync(streamId), Is.Null);
    }

    [Test]
    public async Task An_unknown_stored_type_throws_by_default_naming_type_stream_and_version()
    {
        var (old, reopen) = await CreateStoreAsync(UpcastingSetup.Version1);
        var streamId = StreamId.New();
        await old.AppendAsync(streamId, ExpectedVersion.NoStream, new UserSignedUp("Ada Lovelace", "a@example.com"));
        var current = await reopen(o => o.Events.Register<UserCreatedV1>("USER_CREATED", 1));

        var error = Assert.ThrowsAsync<UnknownEventTypeException>(() => current.ReadStreamAsync(streamId).ToListAsync().AsTask());

        Assert.That(error!.EventTypeName, Is.EqualTo("USER_SIGNED_UP"));
        Assert.That(error.StreamId, Is.EqualTo(streamId));
        Assert.That(error.Version, Is.EqualTo(new StreamVersion(1)));
    }

    [Test]
    [NonParallelizable] // reads the global log
    public async Task Unknown_stored_types_can_be_surfaced_as_raw_json_or_skipped_from_stream_reads()
    {
        var (old, reopen) = await CreateStoreAsync(UpcastingSetup.Version1);
        var streamId = StreamId.New();
        await old.AppendAsync(streamId, ExpectedVersion.NoStream,
            [new UserCreatedV1("Ada Lovelace", "a@example.com"), new UserSignedUp("Grace Hopper", "g@example.com")]);
        var surfacing = await reopen(o =>
        {
            o.Events.Register<UserCreatedV1>("USER_CREATED", 1);
            o.UnknownEventTypes = UnknownEventTypeHandling.Surface;
        });
        var skipping = await reopen(o =>
        {
            o.Events.Register<UserCreatedV1>("USER_CREATED", 1);
            o.UnknownEventTypes = UnknownEventTypeHandling.Skip;
        });

        var surfaced = await surfacing.ReadStreamAsync(streamId).ToListAsync();
        var skipped = await skipping.ReadStreamAsync(streamId).ToListAsync();
        var skippingLog = await skipping.ReadAllAsync(LogPosition.Start).ToListAsync();

        var unknown = (UnknownEvent)surfaced[1].Data;
        Assert.That(unknown.EventType, Is.EqualTo("USER_SIGNED_UP"));
        Assert.That(unknown.Data.GetProperty("full_name").GetString(), Is.EqualTo("Grace Hopper"));
        Assert.That(skipped.Select(e => e.Version.Value), Is.EqualTo(new long[] { 1 }));
        Assert.That(skippingLog, Has.Count.EqualTo(2), "the global log keeps the event so checkpoints can pass it");
        Assert.That(skippingLog[1].Data, Is.InstanceOf<UnknownEvent>());
    }

    [Test]
    public async Task A_failing_upcaster_names_the_event_its_position_and_the_step()
    {
        var (old, reopen) = await CreateStoreAsync(UpcastingSetup.Version1);
        var streamId = StreamId.New();
        await old.AppendAsync(streamId, ExpectedVersion.NoStream, new UserCreatedV1("Ada Lovelace", "a@example.com"));
        var broken = await reopen(o =>
        {
            o.Events.Register<UserCreatedV2>("USER_CREATED", 2);
            o.Upcasters.AddJson("USER_CREATED", 1, _ => throw new InvalidOperationException("no name today"));
        });

        var error = Assert.ThrowsAsync<EventSerializationException>(() => broken.ReadStreamAsync(streamId).ToListAsync().AsTask());

        Assert.That(error!.Message, Does.Contain("USER_CREATED v1").And.Contain("global position").And.Contain("no name today"));
        Assert.That(error.InnerException, Is.InstanceOf<InvalidOperationException>());
    }

    [Test]
    public async Task An_event_stored_by_a_newer_application_version_says_so()
    {
        var (newer, reopen) = await CreateStoreAsync(UpcastingSetup.Version3);
        var streamId = StreamId.New();
        await newer.AppendAsync(streamId, ExpectedVersion.NoStream, new UserCreatedV3("Ada", "Lovelace", "a@example.com", "en"));
        var older = await reopen(UpcastingSetup.Version2);

        var error = Assert.ThrowsAsync<EventSerializationException>(() => older.ReadStreamAsync(streamId).ToListAsync().AsTask());

        Assert.That(error!.Message, Does.Contain("v3").And.Contain("newer version"));
    }
    [Test]
    public async Task Aggregates_time_travel_snapshot_replay_and_the_audit_trail_read_old_events_as_v3()
    {
        var (old, reopen) = await CreateStoreAsync(UpcastingSetup.Version1);
        var streamId = StreamId.New();
        await old.AppendAsync(streamId, ExpectedVersion.NoStream, [new NewEvent(new UserCreatedV1("Ada Lovelace", "a@example.com"))],
            new AppendOptions { StreamType = nameof(UserProfile) });
        var current = await reopen(UpcastingSetup.Version3);
        var profiles = new AggregateRepository<UserProfile>(current, id => new UserProfile(id),
            new AggregateRepositoryOptions { Snapshots = SnapshotPolicy.Every(2) });

        var loaded = await profiles.GetAsync(streamId);
        loaded.AddAccount("Ada", "King", "k@example.com");
        await profiles.SaveAsync(loaded);                                             // snapshot at version 2
        await old.AppendAsync(streamId, ExpectedVersion.Exactly(2), new UserCreatedV1("Grace Hopper", "g@example.com"));
        var replayed = await profiles.GetAsync(streamId);                             // snapshot + an upcast v1 event
        var asOf = await profiles.LoadAsOfAsync(streamId, (await current.GetStreamStateAsync(streamId))!.UpdatedAt);
        var trail = await ((IAuditTrail)current).ReadAuditTrailAsync(AuditQuery.ForStream(streamId));
        var folded = await current.ReadStreamAsOfAsync(streamId, DateTimeOffset.MaxValue).Select(e => e.Data).ToListAsync();

        string[] expected = ["Ada|Lovelace|a@example.com|en", "Ada|King|k@example.com|en", "Grace|Hopper|g@example.com|en"];
        Assert.That(replayed.Emails, Is.EqualTo(expected));
        Assert.That(asOf!.Emails, Is.EqualTo(expected));
        Assert.That(trail.Events.Select(e => e.Data), Is.All.InstanceOf<UserCreatedV3>());
        Assert.That(trail.Events.Select(e => e.StoredSchemaVersion), Is.EqualTo(new[] { 1, 3, 1 }));
        Assert.That(trail.Events.Select(e => e.SchemaVersion), Is.All.EqualTo(3));
        Assert.That(folded, Has.Count.EqualTo(3));
        Assert.That(folded, Is.All.InstanceOf<UserCreatedV3>());
    }
}
