namespace FraiseEvents.Projections;

/// <summary>
/// A document computed from an append (or a batch of the log), to be written in the same transaction.
/// <c>ExpectedRevision</c> is the revision it was computed from: 0 when it must not exist, null when it
/// does not matter (it was started afresh or deleted without reading it).
/// </summary>
internal sealed record DocumentWrite(string Key, long? ExpectedRevision, byte[]? Data, bool Deleted, StreamId LastStreamId, Guid LastEventId)
{
    /// <summary>The version of the last event applied, when known (always for an async projection).</summary>
    public StreamVersion? LastVersion { get; init; }

    /// <summary>The global position of the last event applied; 0 when the database looks it up (inline).</summary>
    public long LastPosition { get; init; }
}
