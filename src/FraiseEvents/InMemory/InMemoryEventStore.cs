using FraiseEvents.Projections;
using FraiseEvents.Serialization;
using FraiseEvents.Subscriptions;

namespace FraiseEvents.InMemory;

/// <summary>
/// An <see cref="IEventStore"/> in process memory, for unit tests. It follows the same contract as
/// the PostgreSQL store, tested by the same suite: events are serialized to JSON and back, so
/// unregistered types, unserializable data and size limits fail here as they would in production.
/// </summary>
public sealed partial class InMemoryEventStore : IEventStore
{
    private readonly EventSerializer _serializer;
    private readonly TimeProvider _timeProvider;
    private readonly Storage _storage;
    private readonly InlineProjections _projections;

    /// <summary>Creates an empty store.</summary>
    /// <param name="options">Event types and limits; a default set when null.</param>
    /// <param name="timeProvider">The clock for <c>CreatedAt</c>; the system clock when null.</param>
    public InMemoryEventStore(EventStoreOptions? options = null, TimeProvider? timeProvider = null)
        : this(new Storage(), options, timeProvider)
    {
    }

    private InMemoryEventStore(Storage storage, EventStoreOptions? options, TimeProvider? timeProvider)
    {
        _storage = storage;
        options ??= new EventStoreOptions();
        _serializer = new EventSerializer(options);
        _projections = InlineProjections.Create(options.Projections, _serializer.Registry, _serializer.JsonOptions);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// A store over the same events with other options, as when the next version of an application
    /// (new event types, upcasters) opens the same database. Both stores see every append.
    /// </summary>
    public InMemoryEventStore Reopen(EventStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new InMemoryEventStore(_storage, options, _timeProvider);
    }

    /// <inheritdoc />
    /// <remarks>Inline projections run under the store's lock, with the same results as in PostgreSQL.</remarks>
    public Task<AppendResult> AppendAsync(StreamId streamId, ExpectedVersion expectedVersion, IReadOnlyList<NewEvent> events,
        AppendOptions? options = null, CancellationToken cancellationToken = default) =>
        AppendWithSideWritesAsync(streamId, expectedVersion, events, options, snapshot: null, cancellationToken);

    /// <summary>
    /// The one append path for what rides with an append (a snapshot, inline projections): the side
    /// writes happen only when this call stored the events, never after a refusal or for an
    /// idempotent retry, and a projection that throws leaves everything as it was.
    /// </summary>
    private async Task<AppendResult> AppendWithSideWritesAsync(StreamId streamId, ExpectedVersion expectedVersion, IReadOnlyList<NewEvent> events,
        AppendOptions? options, Snapshots.SnapshotWrite? snapshot, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var serialized = _serializer.SerializeAppend(streamId, expectedVersion, events, options);
        if (_projections.IsEmpty && snapshot is null)
        {
            lock (_storage.Lock)
            {
                return AppendLocked(streamId, expectedVersion, serialized, options?.StreamType);
            }
        }

        ProjectionAppend[] appends = [new ProjectionAppend(streamId, expectedVersion, events, serialized, options)];
        // SQL projections have no database here: their handlers run, so that they fail appends as they
        // would in PostgreSQL, and their statements are dropped.
        await _projections.CollectStatementsAsync(appends, cancellationToken).ConfigureAwait(false);
        lock (_storage.Lock)
        {
            var documents = _projections.ProjectDocuments(appends, ReadDocumentsLocked(appends));
            var result = AppendLocked(streamId, expectedVersion, serialized, options?.StreamType);
            if (result.WasAlreadyAppended)
            {
                return result;
            }

            if (snapshot is not null && snapshot.Version == result.NextExpectedVersion)
            {
                WriteSnapshotLocked(streamId, snapshot);
            }

            WriteDocumentsLocked(documents);
            return result;
        }
    }

    private AppendResult AppendLocked(StreamId streamId, ExpectedVersion expected, SerializedEvent[] events, string? streamType) =>
        CheckLocked(streamId, expected, events, streamType) ?? WriteLocked(streamId, events, streamType, ++_storage.LastTransactionId);

    /// <summary>
    /// Decides an append without writing: the result of a retry of stored events, null when the
    /// events are to be written, or the exception that refuses them.
    /// </summary>
    private AppendResult? CheckLocked(StreamId streamId, ExpectedVersion expected, SerializedEvent[] events, string? streamType)
    {
        var exists = _storage.Streams.TryGetValue(streamId.Value, out var stream);
        if (exists && streamType is not null && stream!.StreamType is not null && stream.StreamType != streamType)
        {
            throw new StreamTypeMismatchException(streamId, streamType, stream.StreamType);
        }

        StreamVersion? current = exists ? new StreamVersion(stream!.Events.Count) : null;
        // The rules of try_append_events (migrations/0007), table in docs/concurrency-and-retries.md.
        if (!expected.IsSatisfiedBy(current))
        {
            var match = exists ? Match(stream!, events) : default;
            if (match.IsCompleteRetry(events.Length) && match.FirstVersion == Math.Max(expected.Value, 0) + 1)
            {
                return AlreadyAppended(stream!, match);
            }

            throw new WrongExpectedVersionException(streamId, expected, current);
        }

        if (exists && events.Any(e => stream!.EventIds.Contains(e.EventId)))
        {
            var match = Match(stream!, events);
            if (match.IsCompleteRetry(events.Length) && !expected.IsExact && expected != ExpectedVersion.NoStream)
            {
                return AlreadyAppended(stream!, match);
            }

            throw new IdempotencyConflictException(streamId, [.. events.Select(e => e.EventId)]);
        }

        return null;
    }

    private AppendResult WriteLocked(StreamId streamId, SerializedEvent[] events, string? streamType, long transactionId)
    {
        _storage.Streams.TryGetValue(streamId.Value, out var stream);
        var now = TruncateToMicroseconds(_timeProvider.GetUtcNow());
        if (stream is null)
        {
            stream = new StreamRecord(streamType, now);
            _storage.Streams.Add(streamId.Value, stream);
        }
        else if (now < stream.UpdatedAt)
        {
            // Never let time run backwards within a stream, as the PostgreSQL store guarantees.
            now = stream.UpdatedAt;
        }

        stream.StreamType ??= streamType;
        stream.UpdatedAt = now;
        var positions = new GlobalPosition[events.Length];
        for (var i = 0; i < events.Length; i++)
        {
            var e = events[i];
            var stored = new StoredEvent(e.EventId, streamId, stream.Events.Count + 1, ++_storage.LastPosition, transactionId, e.EventType,
                e.SchemaVersion, e.Data, e.Metadata ?? "{}"u8.ToArray(), e.CreatedBy, now);
            stream.Events.Add(stored);
            stream.EventIds.Add(e.EventId);
            _storage.Log.Add(stored);
            positions[i] = new GlobalPosition(stored.GlobalPosition);
        }

        // Waiters wake asynchronously and read under the lock, so they see the whole append.
        _storage.Appended.Signal();
        return new AppendResult(new StreamVersion(stream.Events.Count), positions,
            new LogPosition(transactionId, _storage.LastPosition), now, wasAlreadyAppended: false);
    }

    private static AppendResult AlreadyAppended(StreamRecord stream, RetryMatch match)
    {
        var stored = stream.Events.GetRange((int)match.FirstVersion - 1, match.Matched);
        var last = stored[^1];
        // The stream's version at the end of the append that stored them (a retry may resend
        // only its first events): its events are contiguous in the stream.
        var endOfAppend = (int)last.Version;
        while (endOfAppend < stream.Events.Count && stream.Events[endOfAppend].TransactionId == last.TransactionId)
        {
            endOfAppend++;
        }

        return new AppendResult(new StreamVersion(endOfAppend), [.. stored.Select(e => new GlobalPosition(e.GlobalPosition))],
            new LogPosition(last.TransactionId, last.GlobalPosition), last.CreatedAt, wasAlreadyAppended: true);
    }

    private static RetryMatch Match(StreamRecord stream, SerializedEvent[] events)
    {
        var matched = 0;
        long firstVersion = 0;
        var inOrder = true;
        var sameContent = true;
        for (var i = 0; i < events.Length; i++)
        {
            var index = stream.Events.FindIndex(s => s.EventId == events[i].EventId);
            if (index < 0)
            {
                continue;
            }

            var stored = stream.Events[index];
            if (matched == 0)
            {
                firstVersion = stored.Version - i;
            }
            else if (stored.Version - i != firstVersion)
            {
                inOrder = false;
            }

            matched++;
            sameContent &= stored.EventType == events[i].EventType && JsonEquality.AreEqual(stored.Data.Span, events[i].Data);
        }

        return new RetryMatch(matched, firstVersion, inOrder, sameContent);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<RecordedEvent> ReadStreamAsync(StreamId streamId, StreamVersion? fromVersion = null,
        StreamVersion? toVersion = null, CancellationToken cancellationToken = default)
    {
        StoredEvent[] slice;
        lock (_storage.Lock)
        {
            var stream = GetStreamOrThrow(streamId);
            var from = Math.Max(fromVersion?.Value ?? 1, 1);
            var to = Math.Min(toVersion?.Value ?? long.MaxValue, stream.Events.Count);
            slice = from > to ? [] : [.. stream.Events.GetRange((int)from - 1, (int)(to - from + 1))];
        }

        return DeserializeAsync(slice, neverSkip: false, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<RecordedEvent> ReadStreamBackwardsAsync(StreamId streamId, StreamVersion? fromVersion = null,
        int maxCount = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        StoredEvent[] slice;
        lock (_storage.Lock)
        {
            var stream = GetStreamOrThrow(streamId);
            var from = Math.Min(fromVersion?.Value ?? long.MaxValue, stream.Events.Count);
            var count = (int)Math.Min(maxCount, Math.Max(from, 0));
            slice = [.. stream.Events.GetRange((int)from - count, count)];
        }

        Array.Reverse(slice);
        return DeserializeAsync(slice, neverSkip: false, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<RecordedEvent> ReadAllAsync(LogPosition after, int maxCount = 1000,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        StoredEvent[] slice;
        lock (_storage.Lock)
        {
            // Appends are atomic under the lock, so every stored event is committed and the log is
            // already in (transaction, position) order.
            var start = _storage.Log.FindIndex(e => new LogPosition(e.TransactionId, e.GlobalPosition) > after);
            slice = start < 0 ? [] : [.. _storage.Log.GetRange(start, Math.Min(maxCount, _storage.Log.Count - start))];
        }

        return DeserializeAsync(slice, neverSkip: true, cancellationToken);
    }

    /// <inheritdoc />
    public Task<StreamState?> GetStreamStateAsync(StreamId streamId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_storage.Lock)
        {
            return Task.FromResult(_storage.Streams.TryGetValue(streamId.Value, out var stream)
                ? new StreamState(streamId, new StreamVersion(stream.Events.Count), stream.StreamType, stream.CreatedAt, stream.UpdatedAt)
                : null);
        }
    }

    private StreamRecord GetStreamOrThrow(StreamId streamId) =>
        _storage.Streams.TryGetValue(streamId.Value, out var stream) ? stream : throw new StreamNotFoundException(streamId);

    private async IAsyncEnumerable<RecordedEvent> DeserializeAsync(StoredEvent[] events, bool neverSkip,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var stored in events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_serializer.Deserialize(stored, neverSkip) is { } recorded)
            {
                yield return recorded;
            }
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static DateTimeOffset TruncateToMicroseconds(DateTimeOffset time) =>
        new(time.Ticks - (time.Ticks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);

    /// <summary>The events themselves, shared by every store <see cref="Reopen"/> makes.</summary>
    private sealed class Storage
    {
        public Lock Lock { get; } = new();

        public Dictionary<Guid, StreamRecord> Streams { get; } = [];

        public List<StoredEvent> Log { get; } = [];

        public Dictionary<Guid, SortedList<long, Snapshots.StoredSnapshot>> Snapshots { get; } = [];

        /// <summary>Consumers' checkpoints, by consumer name (see InMemoryEventStore.Checkpoints.cs).</summary>
        public Dictionary<string, LogPosition> Checkpoints { get; } = new(StringComparer.Ordinal);

        /// <summary>Document projections' documents: by projection name, then key.</summary>
        public Dictionary<string, Dictionary<string, StoredDocument>> Documents { get; } = [];

        /// <summary>Which daemon runs each async projection (see InMemoryEventStore.AsyncProjections.cs).</summary>
        public Dictionary<string, IProjectionLease> ProjectionLeases { get; } = new(StringComparer.Ordinal);

        /// <summary>The live projection daemons over these events, among which the async projections are spread.</summary>
        public HashSet<object> ProjectionDaemons { get; } = [];

        /// <summary>Events set aside by async projections' failure policies, per projection name, in log order.</summary>
        public Dictionary<string, List<ProjectionDeadLetter>> DeadLetters { get; } = new(StringComparer.Ordinal);

        public long LastPosition;

        public long LastTransactionId;

        /// <summary>Signalled by every append that stores events, for subscriptions waiting at the end of the log.</summary>
        public WakeUpSignal Appended { get; } = new();
    }

    private sealed class StreamRecord(string? streamType, DateTimeOffset createdAt)
    {
        public List<StoredEvent> Events { get; } = [];

        public HashSet<Guid> EventIds { get; } = [];

        public string? StreamType { get; set; } = streamType;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        public DateTimeOffset UpdatedAt { get; set; } = createdAt;
    }

    private readonly record struct RetryMatch(int Matched, long FirstVersion, bool InOrder, bool SameContent)
    {
        public bool IsCompleteRetry(int count) => Matched == count && InOrder && SameContent;
    }
}
