using System.Runtime.CompilerServices;

namespace FraiseEvents;

/// <summary>Time travel over any <see cref="IEventStore"/>.</summary>
public static class TemporalReadExtensions
{
    /// <summary>
    /// The events of the stream stored at or before <paramref name="asOf"/>, from
    /// <paramref name="fromVersion"/> on. Stores that implement <see cref="ITemporalEventReader"/>
    /// filter on the server; for others the stream is read until the first later event.
    /// </summary>
    /// <exception cref="StreamNotFoundException">The stream does not exist.</exception>
    public static IAsyncEnumerable<RecordedEvent> ReadStreamAsOfAsync(this IEventStore store, StreamId streamId, DateTimeOffset asOf,
        StreamVersion? fromVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store is ITemporalEventReader temporal
            ? temporal.ReadStreamAsOfAsync(streamId, asOf, fromVersion, cancellationToken)
            : ReadUntilAsync(store, streamId, asOf, fromVersion, cancellationToken);
    }

    private static async IAsyncEnumerable<RecordedEvent> ReadUntilAsync(IEventStore store, StreamId streamId, DateTimeOffset asOf,
        StreamVersion? fromVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var recorded in store.ReadStreamAsync(streamId, fromVersion, toVersion: null, cancellationToken).ConfigureAwait(false))
        {
            // created_at never decreases within a stream: the first later event ends the prefix.
            if (recorded.CreatedAt > asOf)
            {
                yield break;
            }

            yield return recorded;
        }
    }
}
