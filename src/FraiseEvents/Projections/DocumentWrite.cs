namespace FraiseEvents.Projections;

/// <summary>
/// A document computed from an append, to be written in the append's transaction. <c>ExpectedRevision</c>
/// is the revision it was computed from: 0 when it must not exist, null when it does not matter
/// (it was started afresh or deleted without reading it).
/// </summary>
internal sealed record DocumentWrite(string Key, long? ExpectedRevision, byte[]? Data, bool Deleted, StreamId LastStreamId, Guid LastEventId);
