namespace FraiseEvents.Subscriptions;

/// <summary>
/// The reads a subscription needs beyond <see cref="IEventStore.ReadAllAsync"/>: a filtered page
/// that still says how far it read, and the visible end of the log. Both stores implement it over
/// the same gap-safe read as <see cref="IEventStore.ReadAllAsync"/>.
/// </summary>
internal interface ILogPageReader
{
    /// <summary>Reads up to <paramref name="maxCount"/> events of the log after <paramref name="after"/> and returns those that pass <paramref name="filter"/>.</summary>
    Task<LogPage> ReadLogPageAsync(LogPosition after, int maxCount, LogFilter filter, CancellationToken cancellationToken);

    /// <summary>The position of the last event a reader of the log can see now; <see cref="LogPosition.Start"/> when none.</summary>
    Task<LogPosition> ReadLogEndAsync(CancellationToken cancellationToken);
}
