namespace FraiseEvents.Subscriptions;

/// <summary>
/// Pages of the global log for a store that has no <see cref="ILogPageReader"/> of its own (a
/// decorator around a store, say): <see cref="IEventStore.ReadAllAsync"/> with the event-type and
/// stream-id filters applied here. A stream-type filter needs the store's own reader.
/// </summary>
internal sealed class ReadAllPageReader(IEventStore store) : ILogPageReader
{
    public async Task<LogPage> ReadLogPageAsync(LogPosition after, int maxCount, LogFilter filter, CancellationToken cancellationToken)
    {
        var events = new List<RecordedEvent>();
        var scannedTo = after;
        var scanned = 0;
        await foreach (var recorded in store.ReadAllAsync(after, maxCount, cancellationToken).ConfigureAwait(false))
        {
            scanned++;
            scannedTo = recorded.LogPosition;
            if (filter.MatchesEvent(recorded.EventType, recorded.StreamId))
            {
                events.Add(recorded);
            }
        }

        return new LogPage(events, scannedTo, scanned, after);
    }

    public async Task<LogPosition> ReadLogEndAsync(CancellationToken cancellationToken)
    {
        var end = LogPosition.Start;
        while (true)
        {
            var page = await ReadLogPageAsync(end, 1000, LogFilter.None, cancellationToken).ConfigureAwait(false);
            if (page.Scanned == 0)
            {
                return end;
            }

            end = page.ScannedTo;
        }
    }
}
