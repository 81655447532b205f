using FraiseEvents.Subscriptions;

namespace FraiseEvents.Projections;

/// <summary>One batch of a projection: built with the shared fold, committed with the checkpoint, retried, or narrowed to the failing event.</summary>
internal sealed partial class ProjectionRunner
{
    /// <summary>
    /// Builds and commits the batch of <paramref name="page"/>, retrying with back-off. When an event in
    /// the middle fails, the events before it are committed first, so that the checkpoint stops right
    /// before the failing event; then that event is retried, and the projection faults on it.
    /// </summary>
    private async Task<BatchOutcome> ApplyAsync(LogPage page, LogPosition position, Run run)
    {
        var events = page.Events;
        var next = page.ScannedTo;
        var partial = false;
        await LoadFailureCountsAsync(run.StopOrAbort.Token).ConfigureAwait(false);
        var parked = await WithRetriesAsync(ReadParkedKeysAsync, run.StopOrAbort.Token).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            int failedAt;
            Exception error;
            try
            {
                var batch = await BuildAsync(events, position, next, parked, run.Abort.Token).ConfigureAwait(false);
                return await _store.CommitProjectionBatchAsync(batch, run.Abort.Token).ConfigureAwait(false)
                    ? new Committed(next, events.Count, partial)
                    : Fenced.Instance;
            }
            catch (OperationCanceledException) when (run.Abort.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                (failedAt, error) = Locate(ex, events);
            }

            if (failedAt > 0)
            {
                // Commit what comes before the failing event on its own, without counting an attempt.
                events = [.. events.Take(failedAt)];
                next = events[^1].LogPosition;
                partial = true;
                attempt = 0;
                continue;
            }

            if (attempt > _options.MaxRetries)
            {
                if (failedAt == 0 && Policy != ProjectionFailurePolicy.Pause)
                {
                    return await SetAsideAsync(events[0], position, attempt, error, run).ConfigureAwait(false);
                }

                return new Failed(new ProjectionFault(Name, failedAt == 0 ? events[0] : null, attempt, error));
            }

            var delay = RetryDelay(attempt);
            _logger.BatchRetry(Name, attempt, position, delay, error);
            if (!await DelayAsync(delay, run).ConfigureAwait(false))
            {
                return StoppedBeforeApplying.Instance;
            }
        }
    }

    private async Task<ProjectionBatch> BuildAsync(IReadOnlyList<RecordedEvent> events, LogPosition position, LogPosition next,
        IReadOnlySet<string>? parked, CancellationToken cancellationToken)
    {
        var fold = new List<FoldEvent>(events.Count);
        List<ProjectionDeadLetter>? waiting = null;
        for (var i = 0; i < events.Count; i++)
        {
            var recorded = events[i];
            switch (recorded.Data)
            {
                case UnreadableEvent unreadable when MayHandle(unreadable.EventType):
                    throw new EventFailedException(i, new EventSerializationException(
                        $"Stored event {recorded.EventId} ({unreadable.EventType} #{recorded.Version.Value} of stream {recorded.StreamId}, "
                        + $"log position {recorded.LogPosition}) cannot be read, and projection '{Name}' may handle it: {unreadable.Reason}",
                        recorded.StreamId, unreadable.EventType));
                case UnreadableEvent or UnknownEvent:
                    continue; // of a type the projection does not handle: it passes by, as any other such event
                default:
                    if (WaitingBehindParked(recorded, parked) is { } wait)
                    {
                        (waiting ??= []).Add(wait); // a parked key's later events wait, recorded, to keep the key's order
                        continue;
                    }

                    fold.Add(FoldEvent.Of(recorded));
                    break;
            }
        }

        IReadOnlyList<DocumentWrite> documents = [];
        List<ProjectionStatement> statements = [];
        switch (_projection)
        {
            case IDocumentProjection document:
                // Only the documents an Apply changes are read; those a Create or Delete starts are written as computed.
                var keys = InlineProjections.KeysToRead(document, fold, readAll: false);
                var read = keys is null
                    ? new Dictionary<(string, string), StoredDocument?>()
                    : await _store.ReadProjectionDocumentsAsync(document, keys, cancellationToken).ConfigureAwait(false);
                documents = _store.Projections.Fold(document, fold, read) ?? [];
                break;
            case SqlProjection sql:
                await InlineProjections.CollectStatementsAsync(sql, fold, statements, cancellationToken).ConfigureAwait(false);
                break;
        }

        return new ProjectionBatch(_projection, CheckpointName, position, next, events.Count > 0 ? events[^1].EventId : null, documents, statements)
        {
            SetAside = waiting ?? [],
        };
    }

    /// <summary>
    /// Whether an event that cannot be read may be one this projection handles: its stored name is
    /// registered to a handled type, or is not registered at all (an upcaster may have renamed it).
    /// </summary>
    private bool MayHandle(string eventType)
    {
        if (!_store.EventTypes.TryGet(eventType, out var info))
        {
            return true;
        }

        return _projection.EventTypes.Any(t => t.IsAssignableFrom(info.ClrType));
    }

    /// <summary>The index of the event a failure is about (-1 when none) and the error to report: the projection's own.</summary>
    private static (int Index, Exception Error) Locate(Exception ex, IReadOnlyList<RecordedEvent> events)
    {
        switch (ex)
        {
            case EventFailedException failed:
                return (failed.Index, failed.InnerException!); // always set by its constructor
            case ProjectionFailedException projection:
                for (var i = 0; i < events.Count; i++)
                {
                    if (events[i].StreamId == projection.StreamId && events[i].Version == projection.Version)
                    {
                        return (i, projection.InnerException ?? projection);
                    }
                }

                return (-1, projection.InnerException ?? projection);
            default:
                return (-1, ex);
        }
    }

    private abstract class BatchOutcome;

    private sealed class Committed(LogPosition position, int events, bool partial) : BatchOutcome
    {
        public LogPosition Position { get; } = position;

        public int Events { get; } = events;

        /// <summary>Only the events before a failing one: read on at once.</summary>
        public bool Partial { get; } = partial;
    }

    private sealed class Fenced : BatchOutcome
    {
        public static Fenced Instance { get; } = new();
    }

    private sealed class StoppedBeforeApplying : BatchOutcome
    {
        public static StoppedBeforeApplying Instance { get; } = new();
    }

    private sealed class Failed(ProjectionFault fault) : BatchOutcome
    {
        public ProjectionFault Fault { get; } = fault;
    }

    private sealed class EventFailedException(int index, Exception error) : Exception(error.Message, error)
    {
        public int Index { get; } = index;
    }
}
