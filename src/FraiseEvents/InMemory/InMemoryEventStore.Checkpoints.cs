using FraiseEvents.Serialization;
using FraiseEvents.Subscriptions;

namespace FraiseEvents.InMemory;

public sealed partial class InMemoryEventStore : ICheckpointStore, ILogPageReader, ILogWakeUp, ILogHeadReader
{
    /// <inheritdoc />
    public Task<LogPosition?> ReadCheckpointAsync(string consumerName, CancellationToken cancellationToken = default)
    {
        ConsumerNames.Validate(consumerName);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_storage.Lock)
        {
            return Task.FromResult(_storage.Checkpoints.TryGetValue(consumerName, out var position) ? position : (LogPosition?)null);
        }
    }

    /// <inheritdoc />
    public Task<bool> CompareAndSetCheckpointAsync(string consumerName, LogPosition expected, LogPosition position,
        CancellationToken cancellationToken = default)
    {
        ConsumerNames.Validate(consumerName);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_storage.Lock)
        {
            // No checkpoint counts as the start, as in tb_checkpoints' advance_checkpoint.
            var current = _storage.Checkpoints.GetValueOrDefault(consumerName);
            if (current != expected)
            {
                return Task.FromResult(false);
            }

            _storage.Checkpoints[consumerName] = position;
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task ResetCheckpointAsync(string consumerName, LogPosition position = default, CancellationToken cancellationToken = default)
    {
        ConsumerNames.Validate(consumerName);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_storage.Lock)
        {
            _storage.Checkpoints[consumerName] = position;
        }

        return Task.CompletedTask;
    }

    async Task<LogPage> ILogPageReader.ReadLogPageAsync(LogPosition after, int maxCount, LogFilter filter, CancellationToken cancellationToken)
    {
        var matched = new List<StoredEvent>();
        var scannedTo = after;
        var scanned = 0;
        lock (_storage.Lock)
        {
            // Appends are atomic under the lock: every stored event is committed, and the log is in order.
            var start = _storage.Log.FindIndex(e => new LogPosition(e.TransactionId, e.GlobalPosition) > after);
            for (var i = start < 0 ? _storage.Log.Count : start; i < _storage.Log.Count && scanned < maxCount; i++, scanned++)
            {
                var stored = _storage.Log[i];
                scannedTo = new LogPosition(stored.TransactionId, stored.GlobalPosition);
                if (filter.MatchesEvent(stored.EventType, stored.StreamId)
                    && (filter.StreamTypes is null || (_storage.Streams.TryGetValue(stored.StreamId.Value, out var stream)
                        && stream.StreamType is { } type && filter.StreamTypes.Contains(type, StringComparer.Ordinal))))
                {
                    matched.Add(stored);
                }
            }
        }

        var events = new List<RecordedEvent>(matched.Count);
        await foreach (var recorded in DeserializeAsync([.. matched], neverSkip: true, cancellationToken).ConfigureAwait(false))
        {
            events.Add(recorded);
        }

        return new LogPage(events, scannedTo, scanned, after);
    }

    Task<LogPosition> ILogPageReader.ReadLogEndAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_storage.Lock)
        {
            return Task.FromResult(_storage.Log.Count == 0
                ? LogPosition.Start
                : new LogPosition(_storage.Log[^1].TransactionId, _storage.Log[^1].GlobalPosition));
        }
    }

    /// <remarks>Every append wakes every waiter at once: in memory, an append is visible as soon as it is stored.</remarks>
    LogWaiter ILogWakeUp.CreateWaiter() => new(_storage.Appended);

    Task<LogHead> ILogHeadReader.ReadLogHeadAsync(LogPosition after, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_storage.Lock)
        {
            var next = _storage.Log.FindIndex(e => new LogPosition(e.TransactionId, e.GlobalPosition) > after);
            TimeSpan? age = next < 0 ? null : _timeProvider.GetUtcNow() - _storage.Log[next].CreatedAt;
            return Task.FromResult(new LogHead(_storage.LastPosition, age, HeldBack: false));
        }
    }

    /// <remarks>Nothing holds the log here: appends are atomic under the store's lock.</remarks>
    Task<LogHoldUp?> ILogHeadReader.ReadLogHoldUpAsync(CancellationToken cancellationToken) => Task.FromResult<LogHoldUp?>(null);
}
