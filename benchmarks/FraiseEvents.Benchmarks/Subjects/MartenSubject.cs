using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Exceptions;

namespace FraiseEvents.Benchmarks.Subjects;

/// <summary>
/// Marten, configured its fastest legitimate way: Guid stream ids, System.Text.Json, lightweight
/// sessions, and the given append mode (Quick, or Rich where the scenario differs). Code is
/// generated at start-up, outside the timings.
/// </summary>
/// <remarks><paramref name="withSnapshot"/> keeps <see cref="MartenUserSnapshot"/> as an inline snapshot (S5-snapshot).</remarks>
internal sealed class MartenSubject(string connectionString, EventAppendMode mode, bool withProjection = false, bool withSnapshot = false) : ISubject
{
    private DocumentStore _store = null!; // set in SetUpAsync

    public string Name => $"Marten {mode}";

    public EventAppendMode Mode => mode;

    public DocumentStore Store => _store;

    public string ConnectionString => connectionString;

    public static DocumentStore CreateStore(string connectionString, EventAppendMode mode, bool withProjection = false, bool withSnapshot = false) => DocumentStore.For(options =>
    {
        options.Connection(connectionString);
        options.DatabaseSchemaName = "bench";
        options.UseSystemTextJsonForSerialization();
        options.AutoCreateSchemaObjects = AutoCreate.All;
        options.Events.StreamIdentity = StreamIdentity.AsGuid;
        options.Events.AppendMode = mode;
        options.Events.AddEventTypes(UserEvents.Types);
        if (withProjection)
        {
            options.Projections.Add(new MartenUserViewProjection(), ProjectionLifecycle.Inline);
        }

        if (withSnapshot)
        {
            options.Projections.Add(new MartenUserSnapshotProjection(), ProjectionLifecycle.Inline);
        }
    });

    public async Task SetUpAsync()
    {
        _store = CreateStore(connectionString, mode, withProjection, withSnapshot);
        await _store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public async Task<(long? Version, long? ActualVersion)> AppendOrConflictAsync(Guid streamId, long? expectedVersion, IReadOnlyList<object> events)
    {
        await using var session = _store.LightweightSession();
        var array = events as object[] ?? [.. events];
        if (expectedVersion is { } v)
        {
            // Marten's expected version is the stream's version after the append.
            session.Events.Append(streamId, v + array.Length, array);
        }
        else
        {
            session.Events.StartStream(streamId, array);
        }

        try
        {
            await session.SaveChangesAsync();
            return ((expectedVersion ?? 0) + array.Length, null);
        }
        catch (Exception ex) when (ex is ConcurrencyException or EventStreamUnexpectedMaxEventIdException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException)
        {
            return (null, null);
        }
    }

    public async Task<long> GetVersionAsync(Guid streamId)
    {
        await using var session = _store.QuerySession();
        return (await session.Events.FetchStreamStateAsync(streamId))?.Version ?? 0;
    }

    public async Task<bool> BulkImportAsync(IReadOnlyList<(Guid StreamId, object[] Events)> streams)
    {
        var actions = new List<StreamAction>(streams.Count);
        foreach (var (id, events) in streams)
        {
            actions.Add(StreamAction.Start(_store.Events, id, events));
        }

        await _store.BulkInsertEventsAsync(actions, batchSize: 10_000);
        return true;
    }

    public async Task<int> RehydrateAsync(Guid streamId)
    {
        await using var session = _store.QuerySession();
        var state = new UserState();
        foreach (var e in await session.Events.FetchStreamAsync(streamId))
        {
            state.Apply(e.Data);
        }

        return state.Events;
    }

    public async Task<int> RehydrateManyAsync(IReadOnlyList<Guid> streamIds)
    {
        // Marten's fastest way to load many streams: one batched query, one round trip.
        await using var session = _store.QuerySession();
        var batch = session.CreateBatchQuery();
        var fetches = new List<Task<IReadOnlyList<IEvent>>>(streamIds.Count);
        foreach (var id in streamIds)
        {
            fetches.Add(batch.Events.FetchStream(id));
        }

        await batch.Execute();
        var count = 0;
        foreach (var fetch in fetches)
        {
            var state = new UserState();
            foreach (var e in await fetch)
            {
                state.Apply(e.Data);
            }

            count += state.Events;
        }

        return count;
    }

    public async Task<int> RehydrateManyAsync(IReadOnlyList<Guid> streamIds, ManyStreamsRead way)
    {
        switch (way)
        {
            case ManyStreamsRead.MartenBatch:
                return await RehydrateManyAsync(streamIds);
            case ManyStreamsRead.PerStream:
            {
                // One session, FetchStreamAsync per stream: what loading aggregates one by one does.
                await using var session = _store.QuerySession();
                var total = 0;
                foreach (var id in streamIds)
                {
                    var state = new UserState();
                    foreach (var e in await session.Events.FetchStreamAsync(id))
                    {
                        state.Apply(e.Data);
                    }

                    total += state.Events;
                }

                return total;
            }

            default:
            {
                // Marten's one-query way: the raw event query over all the streams, in stream order, folded per stream.
                await using var session = _store.QuerySession();
                var ids = streamIds as Guid[] ?? [.. streamIds];
                var events = await session.Events.QueryAllRawEvents()
                    .Where(e => ids.Contains(e.StreamId))
                    .OrderBy(e => e.StreamId).ThenBy(e => e.Version)
                    .ToListAsync();
                var count = 0;
                UserState? state = null;
                var current = Guid.Empty;
                foreach (var e in events)
                {
                    if (e.StreamId != current)
                    {
                        count += state?.Events ?? 0;
                        state = new UserState();
                        current = e.StreamId;
                    }

                    state!.Apply(e.Data); // assigned on the first event of each stream just above
                }

                return count + (state?.Events ?? 0);
            }
        }
    }

    public async Task<bool> AppendToStreamsAsync(IReadOnlyList<(Guid StreamId, long ExpectedVersion, object[] Events)> appends)
    {
        // One session appending to several streams, one SaveChangesAsync: one transaction.
        await using var session = _store.LightweightSession();
        foreach (var (id, version, events) in appends)
        {
            session.Events.Append(id, version + events.Length, events);
        }

        try
        {
            await session.SaveChangesAsync();
            return true;
        }
        catch (Exception ex) when (ex is ConcurrencyException or EventStreamUnexpectedMaxEventIdException)
        {
            return false;
        }
    }

    public async Task CreateAggregatesAsync(IReadOnlyList<(Guid StreamId, object[] Events)> streams, int snapshotAt)
    {
        foreach (var (id, events) in streams)
        {
            await using (var session = _store.LightweightSession())
            {
                session.Events.StartStream(id, events[..snapshotAt]);
                await session.SaveChangesAsync();
            }

            await using (var session = _store.LightweightSession())
            {
                session.Events.Append(id, events.Length, events[snapshotAt..]);
                await session.SaveChangesAsync();
            }
        }
    }

    public async Task<long> LoadAggregateAsync(Guid streamId)
    {
        // The inline snapshot is always current: FetchLatest (an operation of document sessions) loads the document alone.
        await using var session = _store.LightweightSession();
        var user = await session.Events.FetchLatest<MartenUserSnapshot>(streamId)
            ?? throw new InvalidOperationException($"Marten: no snapshot of {streamId}");
        return user.Events;
    }

    public ValueTask DisposeAsync()
    {
        _store?.Dispose();
        return ValueTask.CompletedTask;
    }
}
