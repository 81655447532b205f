using FraiseEvents.Aggregates;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Aggregates;

public abstract partial class AggregateContract
{
    [Test]
    public async Task Loading_a_missing_aggregate_gives_null_and_getting_it_throws_StreamNotFoundException()
    {
        var users = Users(await CreateStoreAsync());
        var id = StreamId.New();

        Assert.That(await users.LoadAsync(id), Is.Null);
        Assert.That(await users.LoadAtVersionAsync(id, 1), Is.Null);
        Assert.That(await users.LoadAsOfAsync(id, DateTimeOffset.UtcNow), Is.Null);
        var ex = Assert.ThrowsAsync<StreamNotFoundException>(() => users.GetAsync(id));
        Assert.That(ex!.StreamId, Is.EqualTo(id));
    }

    [Test]
    public async Task A_saved_aggregate_loads_with_its_state_version_and_stream_type()
    {
        var store = await CreateStoreAsync();
        var users = Users(store);
        var user = await NewUserAsync(users);
        user.Update(name: "Ada Lovelace");
        user.Update(email: "ada@lovelace.org");
        var result = await users.SaveAsync(user);

        Assert.That(result!.NextExpectedVersion, Is.EqualTo(new StreamVersion(3)));
        Assert.That(user.Version, Is.EqualTo(new StreamVersion(3)));
        Assert.That(user.UncommittedEvents, Is.Empty);
        var loaded = await users.GetAsync(user.Id);
        Assert.That(loaded.ToModel(), Is.EqualTo(new UserModel("Ada Lovelace", "ada@lovelace.org", true, false, 3)));
        Assert.That((await store.GetStreamStateAsync(user.Id))!.StreamType, Is.EqualTo("User"));
    }

    [Test]
    public async Task Saving_without_new_events_writes_nothing()
    {
        var store = await CreateStoreAsync();
        var users = Users(store);
        var user = await NewUserAsync(users);

        Assert.That(await users.SaveAsync(user), Is.Null);
        Assert.That(await ReadStream(store, user.Id), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Creating_an_aggregate_whose_stream_exists_fails_and_writes_nothing()
    {
        var store = await CreateStoreAsync();
        var users = Users(store);
        var existing = await NewUserAsync(users);

        var duplicate = users.Create(existing.Id);
        duplicate.Register("Mallory", "mallory@example.com");

        var ex = Assert.ThrowsAsync<WrongExpectedVersionException>(() => users.SaveAsync(duplicate));
        Assert.That(ex!.ExpectedVersion, Is.EqualTo(ExpectedVersion.NoStream));
        Assert.That((await users.GetAsync(existing.Id)).Name, Is.EqualTo("Ada"));
    }

    [Test]
    public async Task Loading_a_stream_of_another_type_throws_StreamTypeMismatchException()
    {
        var store = await CreateStoreAsync();
        var user = await NewUserAsync(Users(store));
        var orders = new AggregateRepository<UserAggregate>(store, id => new UserAggregate(id),
            new AggregateRepositoryOptions { StreamType = "Order" });

        var ex = Assert.ThrowsAsync<StreamTypeMismatchException>(() => orders.LoadAsync(user.Id));
        Assert.That(ex!.ActualType, Is.EqualTo("User"));
        Assert.That(ex.ExpectedType, Is.EqualTo("Order"));
    }

    [Test]
    public async Task The_stream_type_defaults_to_the_aggregate_class_name()
    {
        var store = await CreateStoreAsync();
        var users = new AggregateRepository<UserAggregate>(store, id => new UserAggregate(id));
        var user = users.Create(StreamId.New());
        user.Register("Ada", "ada@example.com");
        await users.SaveAsync(user);

        Assert.That((await store.GetStreamStateAsync(user.Id))!.StreamType, Is.EqualTo(nameof(UserAggregate)));
    }

    [Test]
    public async Task Concurrent_saves_of_the_same_aggregate_let_exactly_one_win()
    {
        const int writers = 8;
        var store = await CreateStoreAsync();
        var users = Users(store);
        var id = (await NewUserAsync(users)).Id;
        var copies = new UserAggregate[writers];
        for (var i = 0; i < writers; i++)
        {
            copies[i] = await users.GetAsync(id);
            copies[i].Update(name: $"Writer {i}");
        }

        var outcomes = await RunConcurrently(writers, i => users.SaveAsync(copies[i]));

        Assert.That(outcomes.Count(o => o is null), Is.EqualTo(1));
        Assert.That(outcomes.Where(o => o is not null), Is.All.TypeOf<WrongExpectedVersionException>());
        var winner = Array.FindIndex(outcomes, o => o is null);
        var loaded = await users.GetAsync(id);
        Assert.That(loaded.Version, Is.EqualTo(new StreamVersion(2)));
        Assert.That(loaded.Name, Is.EqualTo($"Writer {winner}"));
        Assert.That(copies.Where((_, i) => i != winner).Select(c => c.UncommittedEvents.Count), Is.All.EqualTo(1),
            "a losing save keeps its events so the caller can see what was not written");
    }

    [Test]
    public async Task A_stale_aggregate_cannot_overwrite_a_newer_save()
    {
        var store = await CreateStoreAsync();
        var users = Users(store);
        var id = (await NewUserAsync(users)).Id;
        var first = await users.GetAsync(id);
        var second = await users.GetAsync(id);
        first.Update(name: "First");
        await users.SaveAsync(first);
        second.Update(name: "Second");

        var ex = Assert.ThrowsAsync<WrongExpectedVersionException>(() => users.SaveAsync(second));
        Assert.That(ex!.ActualVersion, Is.EqualTo(new StreamVersion(2)));
        Assert.That((await users.GetAsync(id)).Name, Is.EqualTo("First"));
        Assert.That(await ReadStream(store, id), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task The_functional_fold_gives_the_same_state_as_the_aggregate()
    {
        var store = await CreateStoreAsync();
        var users = Users(store);
        var user = await NewUserAsync(users);
        user.Update(name: "Grace");
        user.Delete();
        await users.SaveAsync(user);

        var folded = await store.FoldStreamAsync(user.Id, UserModel.Empty, static (state, e) => state.Apply(e));
        var atTwo = await store.FoldStreamAsync(user.Id, UserModel.Empty, static (state, e) => state.Apply(e), toVersion: 2);

        Assert.That(folded!.State, Is.EqualTo(user.ToModel()));
        Assert.That(folded.Version, Is.EqualTo(new StreamVersion(3)));
        Assert.That(atTwo!.State, Is.EqualTo((await users.LoadAtVersionAsync(user.Id, 2))!.ToModel()));
        Assert.That(await store.FoldStreamAsync(StreamId.New(), UserModel.Empty, static (state, e) => state.Apply(e)), Is.Null);
    }
    [Test]
    public async Task Retrying_a_save_whose_reply_was_lost_is_recognised_and_writes_nothing_twice()
    {
        var store = new LosesFirstAppendReply(await CreateStoreAsync());
        var users = Users(store);
        var user = users.Create(StreamId.New());
        user.Register("Ada", "ada@example.com");
        user.Update(name: "Ada Lovelace");

        var lost = Assert.ThrowsAsync<EventStoreUnavailableException>(() => users.SaveAsync(user));
        var retry = await users.SaveAsync(user);
        user.Update(email: "ada@lovelace.org");
        var next = await users.SaveAsync(user);

        Assert.That(lost!.OutcomeUnknown, Is.True);
        Assert.That(retry!.WasAlreadyAppended, Is.True);
        Assert.That(next!.WasAlreadyAppended, Is.False);
        Assert.That(await ReadStream(store, user.Id), Has.Count.EqualTo(3));
        Assert.That(user.Version, Is.EqualTo(new StreamVersion(3)));
    }

    /// <summary>Commits the first append, then reports a broken connection, as when the reply to a commit is lost.</summary>
    private sealed class LosesFirstAppendReply(IEventStore inner) : IEventStore
    {
        private int _appends;

        public async Task<AppendResult> AppendAsync(StreamId streamId, ExpectedVersion expectedVersion, IReadOnlyList<NewEvent> events,
            AppendOptions? options = null, CancellationToken cancellationToken = default)
        {
            var result = await inner.AppendAsync(streamId, expectedVersion, events, options, cancellationToken);
            return Interlocked.Increment(ref _appends) == 1
                ? throw new EventStoreUnavailableException("The reply to the append was lost.", outcomeUnknown: true)
                : result;
        }

        public Task<IReadOnlyList<AppendResult>> AppendToStreamsAsync(IReadOnlyList<StreamAppend> appends, CancellationToken cancellationToken = default) =>
            inner.AppendToStreamsAsync(appends, cancellationToken);

        public IAsyncEnumerable<RecordedEvent> ReadStreamAsync(StreamId streamId, StreamVersion? fromVersion = null,
            StreamVersion? toVersion = null, CancellationToken cancellationToken = default) =>
            inner.ReadStreamAsync(streamId, fromVersion, toVersion, cancellationToken);

        public IAsyncEnumerable<RecordedEvent> ReadStreamBackwardsAsync(StreamId streamId, StreamVersion? fromVersion = null,
            int maxCount = int.MaxValue, CancellationToken cancellationToken = default) =>
            inner.ReadStreamBackwardsAsync(streamId, fromVersion, maxCount, cancellationToken);

        public IAsyncEnumerable<RecordedEvent> ReadAllAsync(LogPosition after, int maxCount = 1000, CancellationToken cancellationToken = default) =>
            inner.ReadAllAsync(after, maxCount, cancellationToken);

        public Task<StreamState?> GetStreamStateAsync(StreamId streamId, CancellationToken cancellationToken = default) =>
            inner.GetStreamStateAsync(streamId, cancellationToken);
    }
}
