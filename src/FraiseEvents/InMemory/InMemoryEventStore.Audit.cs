using FraiseEvents.Auditing;
using FraiseEvents.Serialization;

namespace FraiseEvents.InMemory;

public sealed partial class InMemoryEventStore : IAuditTrail, ITemporalEventReader
{
    /// <inheritdoc />
    public Task<AuditPage> ReadAuditTrailAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        var types = query.EventTypes is { Count: > 0 } list ? new HashSet<string>(list, StringComparer.Ordinal) : null;
        List<StoredEvent> page;
        lock (_storage.Lock)
        {
            IEnumerable<StoredEvent> candidates;
            if (query.StreamId is { } streamId)
            {
                candidates = _storage.Streams.TryGetValue(streamId.Value, out var stream) ? Enumerable.Reverse(stream.Events) : [];
                if (query.After is { } after)
                {
                    candidates = candidates.Where(e => e.Version < after.Version.Value);
                }
            }
            else
            {
                candidates = _storage.Log.Where(e => e.CreatedBy == query.CreatedBy)
                    .OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.GlobalPosition);
                if (query.After is { } after)
                {
                    candidates = candidates.Where(e => e.CreatedAt < after.CreatedAt
                        || (e.CreatedAt == after.CreatedAt && e.GlobalPosition < after.GlobalPosition.Value));
                }
            }

            page = [.. candidates
                .Where(e => (query.From is null || e.CreatedAt >= query.From) && (query.To is null || e.CreatedAt <= query.To)
                    && (types is null || types.Contains(e.EventType)))
                .Take(query.Limit + 1)];
        }

        // One event more than asked tells whether another page follows, so the last page has no cursor.
        var events = page.Take(query.Limit).Select(e => _serializer.Deserialize(e, neverSkip: true)!).ToList(); // never null with neverSkip
        return Task.FromResult(new AuditPage(events, page.Count > query.Limit ? AuditCursor.After(events[^1]) : null));
    }

    /// <inheritdoc />
    public IAsyncEnumerable<RecordedEvent> ReadStreamAsOfAsync(StreamId streamId, DateTimeOffset asOf, StreamVersion? fromVersion = null,
        CancellationToken cancellationToken = default)
    {
        StoredEvent[] slice;
        lock (_storage.Lock)
        {
            var stream = GetStreamOrThrow(streamId);
            var from = (int)Math.Max(fromVersion?.Value ?? 1, 1);
            slice = [.. stream.Events.Skip(from - 1).TakeWhile(e => e.CreatedAt <= asOf)];
        }

        return DeserializeAsync(slice, neverSkip: false, cancellationToken);
    }
}
