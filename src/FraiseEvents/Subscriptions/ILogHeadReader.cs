namespace FraiseEvents.Subscriptions;

/// <summary>
/// How far behind the head of the log a reader is, and what holds the log's visible end back:
/// for <see cref="SubscriptionStatus"/> and health checks. Both stores implement it.
/// </summary>
internal interface ILogHeadReader
{
    /// <summary>The head of the log seen from a reader that has read up to <paramref name="after"/>.</summary>
    Task<LogHead> ReadLogHeadAsync(LogPosition after, CancellationToken cancellationToken);

    /// <summary>The transaction that holds the visible end back while committed events wait beyond it; null when none does.</summary>
    Task<LogHoldUp?> ReadLogHoldUpAsync(CancellationToken cancellationToken);
}
