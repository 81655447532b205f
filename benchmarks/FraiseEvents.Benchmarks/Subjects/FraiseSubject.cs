using FraiseEvents.Postgres;
using Npgsql;

namespace FraiseEvents.Benchmarks.Subjects;

/// <summary>FraiseEvents: one <c>try_append_events</c> call per append, binary COPY for imports, one query for many streams.</summary>
internal sealed class FraiseSubject(string connectionString, bool withProjection = false) : ISubject
{
    private readonly NpgsqlDataSource _dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
    private PostgresEventStore _store = null!; // set in SetUpAsync

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

        _store = new PostgresEventStore(_dataSource, options, new PostgresEventStoreOptions { Schema = "bench" });
        await _store.InitializeAsync();
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

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        await _dataSource.DisposeAsync();
    }
}
