using FraiseEvents.Subscriptions;

namespace FraiseEvents.Projections;

/// <summary>
/// The failure policies (<see cref="ProjectionFailurePolicy"/>): setting a failing event aside instead
/// of faulting, keeping a parked key's later events waiting, and replaying them after the fix.
/// </summary>
internal sealed partial class ProjectionRunner
{
    /// <summary>What the status says about set-aside events; null until read from the store in this run.</summary>
    private volatile FailureCounts? _failures;

    private ProjectionFailurePolicy Policy => _options.FailurePolicies.TryGetValue(Name, out var policy) ? policy : ProjectionFailurePolicy.Pause;

    private sealed record FailureCounts(long DeadLettered, int ParkedKeys, string? LastError);

    /// <summary>Counts the store's set-aside events once per run (and after a replay), for the status.</summary>
    private async Task LoadFailureCountsAsync(CancellationToken cancellationToken)
    {
        if (_failures is not null || _store is not IDeadLetterStore deadLetters)
        {
            return;
        }

        IReadOnlyList<ProjectionDeadLetter> recorded;
        try
        {
            recorded = await deadLetters.ReadDeadLettersAsync(Name, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return; // only the status's counts depend on it: counted at the next batch
        }

        var last = recorded.Where(r => r.Attempts > 0).MaxBy(r => r.RecordedAt);
        _failures = new FailureCounts(recorded.Count(r => !r.IsParked), recorded.Where(r => r.IsParked).Select(r => r.ParkedKey).Distinct().Count(),
            last is null ? null : $"{last.ErrorType}: {last.ErrorMessage}");
    }

    /// <summary>The parked keys, read for every batch under <see cref="ProjectionFailurePolicy.ParkKey"/> (another daemon may have parked one); null otherwise.</summary>
    private async Task<IReadOnlySet<string>?> ReadParkedKeysAsync(CancellationToken cancellationToken)
    {
        if (Policy != ProjectionFailurePolicy.ParkKey || _store is not IDeadLetterStore deadLetters)
        {
            return null;
        }

        var keys = await deadLetters.ReadParkedKeysAsync(Name, cancellationToken).ConfigureAwait(false);
        return keys.Count == 0 ? null : new HashSet<string>(keys, StringComparer.Ordinal);
    }

    /// <summary>The event's key when it is parked: it is then recorded as waiting instead of applied.</summary>
    private ProjectionDeadLetter? WaitingBehindParked(RecordedEvent recorded, IReadOnlySet<string>? parked)
    {
        if (parked is null || KeyOf(recorded) is not { } key || !parked.Contains(key))
        {
            return null;
        }

        return Record(recorded, "Parked", $"It waits behind the parked event of key '{key}'.", attempts: 0, key);
    }

    /// <summary>
    /// The key an event of this projection touches (document key, or stream for a SQL projection);
    /// null when the projection does not handle it or the key cannot be known.
    /// </summary>
    private string? KeyOf(RecordedEvent recorded)
    {
        switch (_projection)
        {
            case SqlProjection:
                return recorded.Data is UnreadableEvent or UnknownEvent || _projection.EventTypes.Any(t => t.IsInstanceOfType(recorded.Data))
                    ? InlineProjections.KeyOf(recorded.StreamId)
                    : null;
            case IDocumentProjection document when recorded.Data is not (UnreadableEvent or UnknownEvent):
                if (!document.TryGetStep(recorded.Data.GetType(), out _, out var keyOf))
                {
                    return null;
                }

                try
                {
                    return keyOf is null ? InlineProjections.KeyOf(recorded.StreamId) : InlineProjections.NormalizeKey(document, keyOf(recorded.Data));
                }
                catch (Exception)
                {
                    return null; // the key function fails on it: the event is dead-lettered, as the policy documents
                }

            default:
                return null;
        }
    }

    private ProjectionDeadLetter Record(RecordedEvent recorded, string errorType, string errorMessage, int attempts, string? parkedKey) =>
        new(Name, recorded.EventId, recorded.StreamId, recorded.LogPosition, recorded.EventType, errorType, errorMessage, attempts, parkedKey,
            _time.GetUtcNow());

    /// <summary>
    /// Instead of faulting: records the failing event (parked under its key, or dead-lettered) and moves
    /// the checkpoint past it, in one transaction, so it is set aside exactly once.
    /// </summary>
    private async Task<BatchOutcome> SetAsideAsync(RecordedEvent failed, LogPosition position, int attempts, Exception error, Run run)
    {
        var key = Policy == ProjectionFailurePolicy.ParkKey ? KeyOf(failed) : null;
        var record = Record(failed, error.GetType().FullName ?? error.GetType().Name, error.Message, attempts, key);
        var batch = new ProjectionBatch(_projection, CheckpointName, position, failed.LogPosition, failed.EventId, [], []) { SetAside = [record] };
        try
        {
            if (!await _store.CommitProjectionBatchAsync(batch, run.Abort.Token).ConfigureAwait(false))
            {
                return Fenced.Instance;
            }
        }
        catch (OperationCanceledException) when (run.Abort.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // The record could not be written: the projection pauses on the event, as without a policy.
            return new Failed(new ProjectionFault(Name, failed, attempts, ex));
        }

        _logger.SetAside(Name, failed.EventId, failed.LogPosition, attempts, key is null ? "a dead letter" : $"parked under key '{key}'", error);
        if (_failures is { } counts)
        {
            _failures = key is null
                ? counts with { DeadLettered = counts.DeadLettered + 1, LastError = $"{record.ErrorType}: {record.ErrorMessage}" }
                : counts with { ParkedKeys = counts.ParkedKeys + 1, LastError = $"{record.ErrorType}: {record.ErrorMessage}" };
        }

        return new Committed(failed.LogPosition, 1, partial: true);
    }

    /// <summary>
    /// Applies set-aside events in log order, each in its own transaction with its removal from the
    /// record. The caller has stopped this runner and holds the projection's lock. An event that fails
    /// again stays recorded, and so do the later events of its parked key, to keep their order.
    /// </summary>
    public async Task<int> ReplayAsync(IReadOnlyList<ProjectionDeadLetter> entries, CancellationToken cancellationToken)
    {
        var replayed = 0;
        var stuckKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries.OrderBy(e => e.Position))
        {
            if (entry.ParkedKey is { } parkedKey && stuckKeys.Contains(parkedKey))
            {
                continue;
            }

            try
            {
                // Right before the event in the log's order: no event lies between (tx, n - 1) and (tx, n).
                var before = new LogPosition(entry.Position.TransactionId, entry.Position.GlobalPosition - 1);
                var page = await _store.ReadLogPageAsync(before, 1, LogFilter.None, cancellationToken).ConfigureAwait(false);
                var recorded = page.Events.FirstOrDefault(e => e.EventId == entry.EventId) ?? throw new InvalidOperationException(
                    $"Event {entry.EventId} is no longer at log position {entry.Position}.");
                var batch = await BuildAsync([recorded], entry.Position, entry.Position, parked: null, cancellationToken).ConfigureAwait(false);
                await _store.CommitProjectionBatchAsync(batch with { KeepsCheckpoint = true, Released = [entry.EventId] }, cancellationToken)
                    .ConfigureAwait(false);
                replayed++;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                _logger.ReplayFailed(Name, entry.EventId, ex is EventFailedException { InnerException: { } inner } ? inner : ex);
                if (entry.ParkedKey is { } key)
                {
                    stuckKeys.Add(key);
                }
            }
        }

        _failures = null; // counted again from the store when the runner next runs
        return replayed;
    }
}
