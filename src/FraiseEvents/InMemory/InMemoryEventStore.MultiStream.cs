using FraiseEvents.Projections;
using FraiseEvents.Serialization;

namespace FraiseEvents.InMemory;

public sealed partial class InMemoryEventStore
{
    /// <inheritdoc />
    /// <remarks>Every stream is checked under the store's lock before any is written, as one transaction would.</remarks>
    public async Task<IReadOnlyList<AppendResult>> AppendToStreamsAsync(IReadOnlyList<StreamAppend> appends, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var prepared = MultiStreamAppends.Prepare(_serializer, appends);
        await _projections.CollectStatementsAsync(prepared, cancellationToken).ConfigureAwait(false);
        lock (_storage.Lock)
        {
            var retries = new AppendResult?[prepared.Length];
            List<ConcurrencyException>? conflicts = null;
            for (var i = 0; i < prepared.Length; i++)
            {
                var append = prepared[i];
                try
                {
                    retries[i] = CheckLocked(append.StreamId, append.ExpectedVersion, append.Serialized, append.Options?.StreamType);
                }
                catch (ConcurrencyException conflict)
                {
                    (conflicts ??= []).Add(conflict);
                }
            }

            var retried = retries.Count(r => r is not null);
            if (conflicts is null && retried == prepared.Length)
            {
                return [.. retries.Select(r => r!)];
            }

            if (conflicts is null && retried > 0)
            {
                // Part of the call is stored and part is not: an append to several streams is never
                // stored in part, so this is no retry of one.
                conflicts = [.. prepared.Where((_, i) => retries[i] is not null)
                    .Select(a => new IdempotencyConflictException(a.StreamId, [.. a.Serialized.Select(e => e.EventId)]))];
            }

            if (conflicts is not null)
            {
                throw new MultiStreamConflictException(prepared.Length, conflicts);
            }

            var documents = _projections.ProjectDocuments(prepared, ReadDocumentsLocked(prepared));
            var transactionId = ++_storage.LastTransactionId;
            var results = new AppendResult[prepared.Length];
            for (var i = 0; i < prepared.Length; i++)
            {
                var append = prepared[i];
                results[i] = WriteLocked(append.StreamId, append.Serialized, append.Options?.StreamType, transactionId);
            }

            WriteDocumentsLocked(documents);
            return results;
        }
    }
}
