using FraiseEvents.Aggregates;
using FraiseEvents.Postgres;
using FraiseEvents.Snapshots;
using Npgsql;

namespace FraiseEvents.Benchmarks.Subjects;

/// <summary>FraiseEvents: one <c>try_append_events</c> call per append, binary COPY for imports, one query for many streams.</summary>
/// <remarks><paramref name="batchAppends"/> is <see cref="PostgresEventStoreOptions.BatchConcurrentAppends"/> (on by default, as in the library).</remarks>
internal sealed class FraiseSubject(string connectionString, bool withProjection = false, bool batchAppends = true) : ISubject
{
    /// <summary>S5-snapshot's policy: a snapshot every 100 events, written with the append (the library's default mode).</summary>
    public const int SnapshotEvery = 100;

    private readonly NpgsqlDataSource _dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
    private PostgresEventStore _store = null!; // set in SetUpAsync
    private AggregateRepository<BenchUser> _users = null!; // set in SetUpAsync

    public string Name => withProjection ? "FraiseEvents with projection" : "FraiseEvents";

    public PostgresEventStore Store => _store;

    public string ConnectionString => connectionString;

    public static EventStoreOptions Options()
    {
        var options = new EventStoreOptions();
        options.Events.Register<UserCreated>();
        options.Events.Register<UserUpdated>();
        options.Events.Register<UserDeleted>();
        return options;
    }

    public async Task SetUpAsync()
    {
        var options = Options();
        if (withProjection)
        {
            options.Projections.Add(new FraiseUserViewProjection());
        }

        _store = new PostgresEventStore(_dataSource, options, new PostgresEventStoreOptions { Schema = "bench", BatchConcurrentAppends = batchAppends });
        await _store.InitializeAsync();
        _users = new AggregateRepository<BenchUser>(_store, id => new BenchUser(id),
            new AggregateRepositoryOptions { StreamType = "User", Snapshots = SnapshotPolicy.Every(SnapshotEvery) });
    }

    public async Task<(long? Version, long? ActualVersion)> AppendOrConflictAsync(Guid streamId, long? expectedVersion, IReadOnlyList<object> events)
    {
        var newEvents = new NewEvent[events.Count];
        for (var i = 0; i < newEvents.Length; i++)
        {
            newEvents[i] = new NewEvent(events[i]);
        }

        try
        {
            var result = await _store.AppendAsync(new StreamId(streamId),
                expectedVersion is { } v ? ExpectedVersion.Exactly(v) : ExpectedVersion.NoStream, newEvents);
            return (result.NextExpectedVersion.Value, null);
        }
        catch (WrongExpectedVersionException ex)
        {
            // The store reports the actual version with the conflict: no reload needed.
            return (null, ex.ActualVersion?.Value ?? 0);
        }
    }

    public async Task<long> GetVersionAsync(Guid streamId) =>
        (await _store.GetStreamStateAsync(new StreamId(streamId)))?.Version.Value ?? 0;

    public async Task<bool> BulkImportAsync(IReadOnlyList<(Guid StreamId, object[] Events)> streams)
    {
        var import = new BulkImportStream[streams.Count];
        for (var i = 0; i < import.Length; i++)
        {
            var (id, events) = streams[i];
            import[i] = new BulkImportStream(new StreamId(id), [.. events.Select(e => new NewEvent(e))]);
        }

        await _store.BulkImportAsync(import);
        return true;
    }

    public async Task<int> RehydrateAsync(Guid streamId)
    {
        var state = new UserState();
        await foreach (var e in _store.ReadStreamAsync(new StreamId(streamId)))
        {
            state.Apply(e.Data);
        }

        return state.Events;
    }

    public async Task<int> RehydrateManyAsync(IReadOnlyList<Guid> streamIds)
    {
        var ids = new StreamId[streamIds.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = new StreamId(streamIds[i]);
        }

        // Events arrive grouped by stream: fold each group into its own state.
        var count = 0;
        UserState? state = null;
        var current = Guid.Empty;
        await foreach (var e in _store.ReadStreamsAsync(ids))
        {
            if (e.StreamId.Value != current)
            {
                count += state?.Events ?? 0;
                state = new UserState();
                current = e.StreamId.Value;
            }

            state!.Apply(e.Data); // assigned on the first event of each stream just above
        }

        return count + (state?.Events ?? 0);
    }

    public async Task<int> RehydrateManyAsync(IReadOnlyList<Guid> streamIds, ManyStreamsRead way)
    {
        if (way != ManyStreamsRead.PerStream)
        {
            return await RehydrateManyAsync(streamIds);
        }

        var count = 0;
        foreach (var id in streamIds)
        {
            count += await RehydrateAsync(id);
        }

        return count;
    }

    public async Task<bool> AppendToStreamsAsync(IReadOnlyList<(Guid StreamId, long ExpectedVersion, object[] Events)> appends)
    {
        var batch = new StreamAppend[appends.Count];
        for (var i = 0; i < batch.Length; i++)
        {
            var (id, version, events) = appends[i];
            var newEvents = new NewEvent[events.Length];
            for (var j = 0; j < newEvents.Length; j++)
            {
                newEvents[j] = new NewEvent(events[j]);
            }

            batch[i] = new StreamAppend(new StreamId(id), ExpectedVersion.Exactly(version), newEvents);
        }

        try
        {
            await _store.AppendToStreamsAsync(batch);
            return true;
        }
        catch (MultiStreamConflictException)
        {
            return false;
        }
    }

    public async Task CreateAggregatesAsync(IReadOnlyList<(Guid StreamId, object[] Events)> streams, int snapshotAt)
    {
        foreach (var (id, events) in streams)
        {
            var user = _users.Create(new StreamId(id));
            for (var i = 0; i < events.Length; i++)
            {
                if (i == snapshotAt)
                {
                    await _users.SaveAsync(user); // crosses a multiple of SnapshotEvery: the snapshot is written with it
                }

                user.Record(events[i]);
            }

            await _users.SaveAsync(user);
        }
    }

    public async Task<long> LoadAggregateAsync(Guid streamId) =>
        (await _users.GetAsync(new StreamId(streamId))).Version.Value;

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        await _dataSource.DisposeAsync();
    }
}
