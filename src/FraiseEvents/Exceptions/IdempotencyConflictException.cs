namespace FraiseEvents;

/// <summary>
/// Some of the appended event ids are already used in the stream by different events, or by the
/// same events at another place: this is neither a new append nor a retry of one. Nothing was written.
/// Like <see cref="WrongExpectedVersionException"/> it is a <see cref="ConcurrencyException"/>, so one
/// catch-reload-retry loop handles both (a retried command must create its events anew, with new ids).
/// </summary>
public sealed class IdempotencyConflictException : ConcurrencyException
{
    /// <summary>Creates the exception.</summary>
    public IdempotencyConflictException(StreamId streamId, IReadOnlyList<Guid> eventIds, Exception? innerException = null)
        : base(streamId, $"Append to stream {streamId}: event id(s) {string.Join(", ", eventIds.Take(5))}{(eventIds.Count > 5 ? ", ..." : "")} "
            + "are already used by other events of this stream (or the same events at another version). Nothing was written. "
            + "A retry must resend exactly the same events, ids and expected version; new events need new ids.", innerException)
    {
        EventIds = eventIds;
    }

    /// <summary>The ids of the append that failed.</summary>
    public IReadOnlyList<Guid> EventIds { get; }
}
