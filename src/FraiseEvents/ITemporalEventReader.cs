namespace FraiseEvents;

/// <summary>
/// Reads a stream as it was at a point in time. Time is the database clock (<c>timestamptz</c>,
/// UTC): all events of one append share one instant, and within a stream <c>created_at</c> never
/// decreases, so the events at or before a time are always a prefix of the stream.
/// Use <see cref="TemporalReadExtensions.ReadStreamAsOfAsync"/>, which works with every store.
/// </summary>
public interface ITemporalEventReader
{
    /// <summary>
    /// The events of the stream stored at or before <paramref name="asOf"/>, from
    /// <paramref name="fromVersion"/> on, oldest first. Empty when the stream had no such events
    /// yet; <see cref="StreamNotFoundException"/> when the stream does not exist at all.
    /// </summary>
    IAsyncEnumerable<RecordedEvent> ReadStreamAsOfAsync(StreamId streamId, DateTimeOffset asOf, StreamVersion? fromVersion = null,
        CancellationToken cancellationToken = default);
}
