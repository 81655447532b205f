namespace FraiseEvents.Projections;

/// <summary>What a document projection's handler does to its document.</summary>
internal enum DocumentAction
{
    Create,
    Apply,
    Delete,
}
