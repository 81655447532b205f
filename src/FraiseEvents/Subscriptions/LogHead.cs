namespace FraiseEvents.Subscriptions;

/// <summary>The head of the log as a reader at some position sees it (see <see cref="ILogHeadReader"/>).</summary>
/// <param name="HeadPosition">The last global position taken, visible or not; 0 for an empty log.</param>
/// <param name="OldestUnreadAge">How long ago the oldest event the reader has not read was appended; null when it has read them all.</param>
/// <param name="HeldBack">Committed events wait beyond the visible end because an older transaction is open.</param>
internal sealed record LogHead(long HeadPosition, TimeSpan? OldestUnreadAge, bool HeldBack);
