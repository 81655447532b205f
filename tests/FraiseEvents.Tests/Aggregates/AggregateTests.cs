using FraiseEvents.Aggregates;
using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Aggregates;
using FraiseEvents.InMemory;
using FraiseEvents.Snapshots;
using NUnit.Framework;

namespace FraiseEvents.Tests.Aggregates;

[TestFixture]
public sealed class AggregateTests
{
    private static InMemoryEventStore NewStore()
    {
        var options = TestEvents.Options();
        return new InMemoryEventStore(options);
    }

    [Test]
    public void Raising_an_event_applies_it_and_records_it_as_uncommitted()
    {
        var user = new UserAggregate(StreamId.New());

        user.Register("Ada", "ada@example.com");
        user.Update(name: "Ada Lovelace");

        Assert.That(user.Name, Is.EqualTo("Ada Lovelace"));
        Assert.That(user.UncommittedEvents.Select(e => e.GetType()), Is.EqualTo(new[] { typeof(UserCreated), typeof(UserUpdated) }));
        Assert.That(user.Version, Is.EqualTo(StreamVersion.None));
    }

    [Test]
    public void Apply_methods_of_any_visibility_and_of_base_classes_are_found()
    {
        var aggregate = new DerivedCounter(StreamId.New());

        aggregate.Do(new UserCreated(Guid.NewGuid(), "a", "b"));
        aggregate.Do(new UserDeleted(Guid.NewGuid()));
        aggregate.Do(new UserUpdated(Guid.NewGuid()));

        Assert.That(aggregate.Seen, Is.EqualTo(new[] { "created (base)", "deleted (derived, private)", "updated (derived, public)" }));
    }

    [Test]
    public void An_aggregate_that_ignores_unknown_events_skips_them()
    {
        var aggregate = new DerivedCounter(StreamId.New());

        aggregate.Do(new MeasurementTaken(1.5));

        Assert.That(aggregate.Seen, Is.Empty);
        Assert.That(aggregate.UncommittedEvents, Has.Count.EqualTo(1));
    }

    [Test]
    public void An_aggregate_that_rejects_unknown_events_throws_when_one_is_raised_and_records_nothing()
    {
        var aggregate = new StrictAggregate(StreamId.New());

        var ex = Assert.Throws<UnhandledEventException>(() => aggregate.Do(new MeasurementTaken(1.5)));

        Assert.That(ex!.EventType, Is.EqualTo(typeof(MeasurementTaken)));
        Assert.That(ex.Version, Is.Null);
        Assert.That(aggregate.UncommittedEvents, Is.Empty);
    }

    [Test]
    public async Task An_aggregate_that_rejects_unknown_events_fails_to_load_a_stream_with_one()
    {
        var store = NewStore();
        var id = StreamId.New();
        await store.AppendAsync(id, ExpectedVersion.NoStream, [new UserCreated(id.Value, "a", "b"), new MeasurementTaken(2)]);
        var repository = new AggregateRepository<StrictAggregate>(store, i => new StrictAggregate(i), new AggregateRepositoryOptions { StreamType = null });

        var ex = Assert.ThrowsAsync<UnhandledEventException>(() => repository.LoadAsync(id));

        Assert.That(ex!.Version, Is.EqualTo(new StreamVersion(2)));
        Assert.That(ex.StreamId, Is.EqualTo(id));
    }

    // The character is passed by its code: a string argument with a lone surrogate does not
    // survive as written (attribute values are stored as UTF-8, test names are sent as text).
    [TestCase(0x0000, "U+0000")]
    [TestCase(0xD800, "lone surrogate")]
    public void A_stream_type_the_database_cannot_store_is_refused_when_the_repository_is_made(int character, string reason)
    {
        var streamType = "User" + (char)character;
        var ex = Assert.Throws<ArgumentException>(() => new AggregateRepository<StrictAggregate>(NewStore(), i => new StrictAggregate(i),
            new AggregateRepositoryOptions { StreamType = streamType }));

        Assert.That(ex!.Message, Does.Contain("AggregateRepositoryOptions.StreamType").And.Contain(reason));
    }

    [Test]
    public void A_snapshot_policy_needs_a_snapshotable_aggregate()
    {
        var ex = Assert.Throws<ArgumentException>(() => new AggregateRepository<StrictAggregate>(NewStore(), i => new StrictAggregate(i),
            new AggregateRepositoryOptions { Snapshots = SnapshotPolicy.Every(10) }));

        Assert.That(ex!.Message, Does.Contain("ISnapshotable"));
    }

    [Test]
    public void A_snapshot_policy_needs_a_store_that_keeps_snapshots()
    {
        var ex = Assert.Throws<ArgumentException>(() => new AggregateRepository<UserAggregate>(new PlainStore(NewStore()), i => new UserAggregate(i),
            new AggregateRepositoryOptions { Snapshots = SnapshotPolicy.Every(10) }));

        Assert.That(ex!.Message, Does.Contain("ISnapshotStore"));
    }

    [Test]
    public async Task Time_travel_works_over_a_store_without_server_side_time_filtering()
    {
        var options = TestEvents.Options();
        var store = new PlainStore(new InMemoryEventStore(options, new SteppingClock()));
        var users = new AggregateRepository<UserAggregate>(store, i => new UserAggregate(i));
        var user = users.Create(StreamId.New());
        user.Register("Ada", "ada@example.com");
        var first = await users.SaveAsync(user);
        user.Delete();
        await users.SaveAsync(user);

        var atFirst = await users.LoadAsOfAsync(user.Id, first!.CreatedAt);

        Assert.That(atFirst!.Name, Is.EqualTo("Ada"));
        Assert.That(await users.LoadAsOfAsync(user.Id, first.CreatedAt.AddSeconds(1)), Is.Null, "deleted by then");
        Assert.That(await users.LoadAsOfAsync(user.Id, first.CreatedAt.AddTicks(-10)), Is.Null);
    }

    [Test]
    public void Every_n_snapshots_when_a_save_crosses_a_multiple_of_n()
    {
        var policy = SnapshotPolicy.Every(100);
        bool Crosses(long from, long to) =>
            policy.ShouldSnapshot(new SnapshotDecision(StreamId.New(), from, to, []));

        Assert.That(Crosses(98, 99), Is.False);
        Assert.That(Crosses(99, 100), Is.True);
        Assert.That(Crosses(100, 101), Is.False);
        Assert.That(Crosses(150, 260), Is.True);
        Assert.That(Crosses(0, 1), Is.False);
    }

    [Test]
    public void Snapshot_writes_and_policies_reject_bad_settings()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SnapshotPolicy.Every(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SnapshotPolicy.Every(10, keep: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SnapshotWrite(0, 1, "{}"u8.ToArray()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SnapshotWrite(1, 0, "{}"u8.ToArray()));
        Assert.Throws<ArgumentException>(() => new SnapshotWrite(1, 1, ReadOnlyMemory<byte>.Empty));
    }

    [Test]
    public void Folding_applies_events_in_order()
    {
        var id = Guid.NewGuid();
        object[] events = [new UserCreated(id, "Ada", "a@x"), new UserUpdated(id, Name: "Grace"), new UserUpdated(id, Email: "g@x")];

        var state = EventFolding.Fold(UserModel.Empty, events, static (s, e) => s.Apply(e));

        Assert.That(state, Is.EqualTo(new UserModel("Grace", "g@x", true, false, 3)));
    }

    private class BaseCounter(StreamId id) : Aggregate<DerivedCounter>(id)
    {
        public List<string> Seen { get; } = [];

        public void Do(object @event) => Raise(@event);

        protected void Apply(UserCreated e) => Seen.Add("created (base)");
    }

    private sealed class DerivedCounter(StreamId id) : BaseCounter(id)
    {
        public void Apply(UserUpdated e) => Seen.Add("updated (derived, public)");

        private void Apply(UserDeleted e) => Seen.Add("deleted (derived, private)");
    }

    public sealed class StrictAggregate(StreamId id) : Aggregate<StrictAggregate>(id)
    {
        protected override UnknownEventPolicy UnknownEvents => UnknownEventPolicy.Reject;

        public void Do(object @event) => Raise(@event);

        private void Apply(UserCreated e)
        {
        }
    }

    /// <summary>A clock that moves one second forward each time it is read.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now = _now.AddSeconds(1);
    }

    /// <summary>Only the IEventStore primitives: no snapshots, no server-side time filter.</summary>
    private sealed class PlainStore(IEventStore inner) : IEventStore
    {
        public Task<AppendResult> AppendAsync(StreamId streamId, ExpectedVersion expectedVersion, IReadOnlyList<NewEvent> events,
            AppendOptions? options = null, CancellationToken cancellationToken = default) =>
            inner.AppendAsync(streamId, expectedVersion, events, options, cancellationToken);

        public Task<IReadOnlyList<AppendResult>> AppendToStreamsAsync(IReadOnlyList<StreamAppend> appends, CancellationToken cancellationToken = default) =>
            inner.AppendToStreamsAsync(appends, cancellationToken);

        public IAsyncEnumerable<RecordedEvent> ReadStreamAsync(StreamId streamId, StreamVersion? fromVersion = null, StreamVersion? toVersion = null,
            CancellationToken cancellationToken = default) => inner.ReadStreamAsync(streamId, fromVersion, toVersion, cancellationToken);

        public IAsyncEnumerable<RecordedEvent> ReadStreamBackwardsAsync(StreamId streamId, StreamVersion? fromVersion = null, int maxCount = int.MaxValue,
            CancellationToken cancellationToken = default) => inner.ReadStreamBackwardsAsync(streamId, fromVersion, maxCount, cancellationToken);

        public IAsyncEnumerable<RecordedEvent> ReadAllAsync(LogPosition after, int maxCount = 1000, CancellationToken cancellationToken = default) =>
            inner.ReadAllAsync(after, maxCount, cancellationToken);

        public Task<StreamState?> GetStreamStateAsync(StreamId streamId, CancellationToken cancellationToken = default) =>
            inner.GetStreamStateAsync(streamId, cancellationToken);
    }
}
