namespace FraiseEvents.Projections;

/// <summary>A document as stored: its JSON (null once deleted), its revision and whether it is deleted.</summary>
internal sealed record StoredDocument(byte[]? Data, long Revision, bool Deleted);
