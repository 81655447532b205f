using FraiseEvents.Snapshots;

namespace FraiseEvents.Postgres.Tests.Support;

/// <summary>Forwards to a store and counts the events its reads hand out: what a load really read.</summary>
public sealed class CountingEventStore(PostgresEventStore inner) : IEventStore, ISnapshotStore, ITemporalEventReader
{
    private int _eventsRead;

    public int EventsRead => Volatile.Read(ref _eventsRead);

    public void Reset() => Interlocked.Exchange(ref _eventsRead, 0);

    public Task<IReadOnlyList<AppendResult>> AppendToStreamsAsync(IReadOnlyList<StreamAppend> appends, CancellationToken cancellationToken = default) =>
        inner.AppendToStreamsAsync(appends, cancellationToken);

    public Task<AppendResult> AppendAsync(StreamId streamId, ExpectedVersion expectedVersion, IReadOnlyList<NewEvent> events,
        AppendOptions? options = null, CancellationToken cancellationToken = default) =>
        inner.AppendAsync(streamId, expectedVersion, events, options, cancellationToken);

    public IAsyncEnumerable<RecordedEvent> ReadStreamAsync(StreamId streamId, StreamVersion? fromVersion = null, StreamVersion? toVersion = null,
        CancellationToken cancellationToken = default) => Count(inner.ReadStreamAsync(streamId, fromVersion, toVersion, cancellationToken));

    public IAsyncEnumerable<RecordedEvent> ReadStreamBackwardsAsync(StreamId streamId, StreamVersion? fromVersion = null, int maxCount = int.MaxValue,
        CancellationToken cancellationToken = default) => Count(inner.ReadStreamBackwardsAsync(streamId, fromVersion, maxCount, cancellationToken));

    public IAsyncEnumerable<RecordedEvent> ReadAllAsync(LogPosition after, int maxCount = 1000, CancellationToken cancellationToken = default) =>
        Count(inner.ReadAllAsync(after, maxCount, cancellationToken));

    public IAsyncEnumerable<RecordedEvent> ReadStreamAsOfAsync(StreamId streamId, DateTimeOffset asOf, StreamVersion? fromVersion = null,
        CancellationToken cancellationToken = default) => Count(inner.ReadStreamAsOfAsync(streamId, asOf, fromVersion, cancellationToken));

    public Task<StreamState?> GetStreamStateAsync(StreamId streamId, CancellationToken cancellationToken = default) =>
        inner.GetStreamStateAsync(streamId, cancellationToken);

    public Task<StoredSnapshot?> ReadSnapshotAsync(StreamId streamId, int schemaVersion, StreamVersion? maxVersion = null, DateTimeOffset? asOf = null,
        CancellationToken cancellationToken = default) => inner.ReadSnapshotAsync(streamId, schemaVersion, maxVersion, asOf, cancellationToken);

    public async Task<StreamWithSnapshot?> ReadStreamWithSnapshotAsync(StreamId streamId, int? schemaVersion, StreamVersion? maxVersion = null,
        CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadStreamWithSnapshotAsync(streamId, schemaVersion, maxVersion, cancellationToken);
        Interlocked.Add(ref _eventsRead, read?.Events.Count ?? 0);
        return read;
    }

    public Task WriteSnapshotAsync(StreamId streamId, SnapshotWrite snapshot, CancellationToken cancellationToken = default) =>
        inner.WriteSnapshotAsync(streamId, snapshot, cancellationToken);

    public Task<AppendResult> AppendWithSnapshotAsync(StreamId streamId, ExpectedVersion expectedVersion, IReadOnlyList<NewEvent> events,
        SnapshotWrite snapshot, AppendOptions? options = null, CancellationToken cancellationToken = default) =>
        inner.AppendWithSnapshotAsync(streamId, expectedVersion, events, snapshot, options, cancellationToken);

    private async IAsyncEnumerable<RecordedEvent> Count(IAsyncEnumerable<RecordedEvent> events)
    {
        await foreach (var recorded in events)
        {
            Interlocked.Increment(ref _eventsRead);
            yield return recorded;
        }
    }
}
