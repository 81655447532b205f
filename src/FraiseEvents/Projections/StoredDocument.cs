namespace FraiseEvents.Projections;

/// <summary>A document as stored: its JSON (null once deleted), its revision and whether it is deleted.</summary>
internal sealed record StoredDocument(byte[]? Data, long Revision, bool Deleted);

/// <summary>
/// A document computed from an append, to be written in the append's transaction. <c>ExpectedRevision</c>
/// is the revision it was computed from: 0 when it must not exist, null when it does not matter
/// (it was started afresh or deleted without reading it).
/// </summary>
internal sealed record DocumentWrite(string Key, long? ExpectedRevision, byte[]? Data, bool Deleted, StreamId LastStreamId, Guid LastEventId);

/// <summary>A statement a <see cref="SqlProjection"/> added, with the projection it came from.</summary>
internal sealed record ProjectionStatement(string ProjectionName, ProjectedEvent FirstEvent, string Sql, object?[] Parameters);
