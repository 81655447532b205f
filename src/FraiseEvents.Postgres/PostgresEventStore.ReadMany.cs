using System.Runtime.CompilerServices;
using FraiseEvents.Diagnostics;
using Npgsql;

namespace FraiseEvents.Postgres;

public sealed partial class PostgresEventStore
{
    /// <summary>
    /// Reads many whole streams in one query: events of one stream are contiguous and in version
    /// order; streams come in stream-id order. Streams with no events yield nothing (no exception),
    /// so loading 1,000 aggregates costs one round trip instead of 1,000.
    /// </summary>
    /// <param name="streamIds">The streams to read; duplicates are read once.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public IAsyncEnumerable<RecordedEvent> ReadStreamsAsync(IReadOnlyCollection<StreamId> streamIds, CancellationToken cancellationToken = default) =>
        Observed(TelemetryOperations.ReadStreams, streamId: null, ReadStreamsCoreAsync(streamIds, cancellationToken));

    private async IAsyncEnumerable<RecordedEvent> ReadStreamsCoreAsync(IReadOnlyCollection<StreamId> streamIds,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streamIds);
        if (streamIds.Count == 0)
        {
            yield break;
        }

        var ids = new Guid[streamIds.Count];
        var i = 0;
        foreach (var streamId in streamIds)
        {
            ids[i++] = streamId.Value;
        }

        var query = await StartQueryAsync(_sql.ReadStreams, $"reading {ids.Length} streams", cancellationToken,
            new NpgsqlParameter<Guid[]> { TypedValue = ids }).ConfigureAwait(false);

        await using var queryDisposal = query.ConfigureAwait(false);
        while (await query.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_serializer.Deserialize(ReadStoredEvent(query.Reader)) is { } recorded)
            {
                yield return recorded;
            }
        }
    }
}
