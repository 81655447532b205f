namespace FraiseEvents;

/// <summary>
/// An event store: streams of immutable events with optimistic concurrency, and a global log.
/// Implementations: <c>PostgresEventStore</c> (FraiseEvents.Postgres) and <see cref="InMemory.InMemoryEventStore"/>.
/// </summary>
public interface IEventStore
{
    /// <summary>
    /// Appends events to a stream, all or none, if the stream matches <paramref name="expectedVersion"/>.
    /// </summary>
    /// <remarks>
    /// Resending events that are already stored (same ids, same content, where the expected version
    /// puts them) is an idempotent retry: nothing is written, and the result has
    /// <see cref="AppendResult.WasAlreadyAppended"/> set. The table of resend cases is in
    /// docs/concurrency-and-retries.md.
    /// </remarks>
    /// <exception cref="WrongExpectedVersionException">
    /// The stream is not in the expected state (and this is not a retry of stored events); nothing was written.
    /// </exception>
    /// <exception cref="IdempotencyConflictException">
    /// The expected version matches (or is any), but an event id is already used by another event of the stream; nothing was written.
    /// </exception>
    /// <exception cref="UnknownEventTypeException">An event's CLR type is not registered.</exception>
    /// <exception cref="EventSerializationException">
    /// An event cannot be serialized or stored as JSON: it holds U+0000, or raw JSON in it repeats a
    /// property name within one object (jsonb would keep only the last value); nothing was written.
    /// </exception>
    /// <exception cref="EventTooLargeException">An event or the whole append is over the configured limit.</exception>
    /// <exception cref="ArgumentException">
    /// No events, an empty stream or event id, an id twice, a header value that is null, a stream
    /// type that cannot be stored, or <c>default(ExpectedVersion)</c>; nothing was sent.
    /// </exception>
    /// <exception cref="ProjectionFailedException">An inline projection failed; neither the events nor any read model were written.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled before the append was sent; nothing was written.</exception>
    Task<AppendResult> AppendAsync(
        StreamId streamId,
        ExpectedVersion expectedVersion,
        IReadOnlyList<NewEvent> events,
        AppendOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends to several streams in one transaction, each with its own expected version: all or
    /// nothing, in one round trip. The events get global positions in the order the streams are
    /// given, and share one transaction (one <see cref="LogPosition.TransactionId"/>).
    /// </summary>
    /// <returns>One result per stream, in the order given.</returns>
    /// <remarks>
    /// Resending the whole call after a lost reply is recognised as a retry when every stream holds
    /// its events already (each result then has <see cref="AppendResult.WasAlreadyAppended"/> set);
    /// a call in which some streams hold their events and others do not is refused, since an append
    /// to several streams is never stored in part. Inline projections see every stream's events and
    /// commit with them.
    /// </remarks>
    /// <exception cref="MultiStreamConflictException">
    /// Some streams were not as expected (each is named in <see cref="MultiStreamConflictException.Conflicts"/>); nothing was written.
    /// </exception>
    /// <exception cref="StreamTypeMismatchException">A stream was created with another stream type; nothing was written.</exception>
    /// <exception cref="UnknownEventTypeException">An event's CLR type is not registered.</exception>
    /// <exception cref="EventSerializationException">An event cannot be serialized or stored as JSON; nothing was written.</exception>
    /// <exception cref="EventTooLargeException">An event or one stream's events are over the configured limit.</exception>
    /// <exception cref="ArgumentException">
    /// No streams, a stream named twice, or anything <see cref="AppendAsync"/> refuses as an argument; nothing was sent.
    /// </exception>
    /// <exception cref="ProjectionFailedException">An inline projection failed; nothing was written.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled before the append was sent; nothing was written.</exception>
    Task<IReadOnlyList<AppendResult>> AppendToStreamsAsync(IReadOnlyList<StreamAppend> appends, CancellationToken cancellationToken = default);

    /// <summary>Reads a stream forwards, from <paramref name="fromVersion"/> to <paramref name="toVersion"/> inclusive.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="fromVersion">The first version to read; defaults to 1.</param>
    /// <param name="toVersion">The last version to read; defaults to the end of the stream.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="StreamNotFoundException">The stream has no events.</exception>
    IAsyncEnumerable<RecordedEvent> ReadStreamAsync(
        StreamId streamId,
        StreamVersion? fromVersion = null,
        StreamVersion? toVersion = null,
        CancellationToken cancellationToken = default);

    /// <summary>Reads a stream backwards, newest first.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="fromVersion">The newest version to read; defaults to the end of the stream.</param>
    /// <param name="maxCount">The most events to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="StreamNotFoundException">The stream has no events.</exception>
    IAsyncEnumerable<RecordedEvent> ReadStreamBackwardsAsync(
        StreamId streamId,
        StreamVersion? fromVersion = null,
        int maxCount = int.MaxValue,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the global log after <paramref name="after"/>, in <see cref="LogPosition"/> order. Only
    /// events that can no longer be preceded by a late commit are returned, so a consumer that
    /// stores the last event's <see cref="RecordedEvent.LogPosition"/> and continues from it never
    /// skips an event. An event becomes visible here once every transaction that started writing
    /// before it has ended.
    /// </summary>
    IAsyncEnumerable<RecordedEvent> ReadAllAsync(
        LogPosition after,
        int maxCount = 1000,
        CancellationToken cancellationToken = default);

    /// <summary>The stream's current state, or null when it does not exist.</summary>
    Task<StreamState?> GetStreamStateAsync(StreamId streamId, CancellationToken cancellationToken = default);
}
