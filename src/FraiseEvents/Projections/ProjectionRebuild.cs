using FraiseEvents.Subscriptions;
using Microsoft.Extensions.Logging;

namespace FraiseEvents.Projections;

/// <summary>
/// One blue/green rebuild of an async document projection: folds the log from its start into a shadow
/// document set with its own checkpoint (<c>rebuild:&lt;name&gt;</c>, committed with each batch), then
/// hands the last step to the projection's runner, which, between two of its batches, catches the
/// shadow up to the end of the log and swaps it in with the live checkpoint in one transaction.
/// Until then readers see the old documents; a failure or cancellation drops the shadow and leaves
/// the live projection as it was.
/// </summary>
internal sealed class ProjectionRebuild
{
    private static readonly TimeSpan ProgressLogInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly IAsyncProjectionStore _store;
    private readonly IProjectionRebuildStore _rebuilds;
    private readonly IDocumentProjection _projection;
    private readonly ProjectionRunner _runner;
    private readonly ProjectionDaemonOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _startedAt;
    private LogPosition _position;
    private long _eventsDone;
    private long? _head;
    private long _progressAt;
    private volatile RebuildStatus _status;

    public ProjectionRebuild(IAsyncProjectionStore store, IProjectionRebuildStore rebuilds, IDocumentProjection projection, ProjectionRunner runner,
        ProjectionDaemonOptions options, TimeProvider time, ILogger logger)
    {
        _store = store;
        _rebuilds = rebuilds;
        _projection = projection;
        _runner = runner;
        _options = options;
        _time = time;
        _logger = logger;
        _startedAt = _progressAt = time.GetTimestamp();
        _status = new RebuildStatus(projection.Name, RebuildState.Building, LogPosition.Start, 0, TimeSpan.Zero, eventsLeft: null, error: null);
    }

    public static string CheckpointNameOf(string projectionName) => "rebuild:" + projectionName;

    public RebuildStatus Status => _status;

    public bool IsRunning => _status.State is RebuildState.Building or RebuildState.Swapping;

    private string Name => _projection.Name;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _logger.RebuildStarted(Name);
        try
        {
            await _rebuilds.StartRebuildAsync(_projection, cancellationToken).ConfigureAwait(false);
            _position = LogPosition.Start;
            await CatchUpAsync(LogPosition.Start, RebuildState.Building, cancellationToken).ConfigureAwait(false);
            var live = await SwapAsync(cancellationToken).ConfigureAwait(false);
            Publish(RebuildState.Completed, live, error: null);
            _logger.RebuildSwapped(Name, live, _eventsDone, _time.GetElapsedTime(_startedAt));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await DropAsync().ConfigureAwait(false);
            Publish(RebuildState.Cancelled, _position, error: null);
            _logger.RebuildCancelled(Name);
            throw;
        }
        catch (Exception ex)
        {
            await DropAsync().ConfigureAwait(false);
            Publish(RebuildState.Failed, _position, ex);
            _logger.RebuildFailed(Name, ex);
            throw;
        }
    }

    /// <summary>
    /// The swap: by the projection's runner when it runs in this daemon (between two of its batches, so
    /// its checkpoint stays put), otherwise here under the projection's lock, taken for the moment.
    /// </summary>
    private async Task<LogPosition> SwapAsync(CancellationToken cancellationToken)
    {
        if (_runner.IsRunning)
        {
            var swap = new RebuildSwap(SwapAtAsync, cancellationToken);
            _runner.RequestSwap(swap);
            while (true)
            {
                using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delay = Task.Delay(_options.LeaseRetryInterval, _time, poll.Token);
                if (await Task.WhenAny(swap.Done, delay).ConfigureAwait(false) == swap.Done)
                {
                    await poll.CancelAsync().ConfigureAwait(false);
                    return await swap.Done.ConfigureAwait(false);
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    // Not started yet: take it back. Started: the swap sees the same token, and ends (or commits) soon.
                    if (_runner.WithdrawSwap(swap))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    return await swap.Done.ConfigureAwait(false);
                }

                // A runner that stopped (or faulted) before taking the swap leaves it to this rebuild.
                if (!_runner.IsRunning && _runner.WithdrawSwap(swap))
                {
                    break;
                }
            }
        }

        var lease = await _store.TryAcquireProjectionLeaseAsync(Name, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException(
                $"Another daemon runs projection '{Name}', so this one cannot swap its rebuild in: rebuild it on the daemon that runs it (ProjectionDaemon.GetStatus shows Live or CatchingUp there).");
        await using (lease.ConfigureAwait(false))
        {
            var live = await _store.ReadCheckpointAsync(_runner.CheckpointName, cancellationToken).ConfigureAwait(false) ?? LogPosition.Start;
            return await SwapAtAsync(live, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>With the live checkpoint held at <paramref name="live"/>: the shadow catches up to the end of the log, then the swap commits.</summary>
    private async Task<LogPosition> SwapAtAsync(LogPosition live, CancellationToken cancellationToken)
    {
        Publish(RebuildState.Swapping, _position, error: null);
        await CatchUpAsync(live, RebuildState.Swapping, cancellationToken).ConfigureAwait(false);
        if (!await _rebuilds.SwapRebuildAsync(_projection, live, _position, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException(
                $"The checkpoint of projection '{Name}' or of its rebuild moved while the rebuild was swapped in: another daemon or rebuild works on it. "
                + "Nothing was swapped; run the rebuild again where the projection runs.");
        }

        return _position;
    }

    /// <summary>Folds the log into the shadow until the visible end of the log, and at least up to <paramref name="atLeast"/>.</summary>
    private async Task CatchUpAsync(LogPosition atLeast, RebuildState state, CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await WithRetriesAsync(ct => _store.ReadLogPageAsync(_position, _options.BatchSize, LogFilter.None, ct), cancellationToken)
                .ConfigureAwait(false);
            if (page.Scanned > 0)
            {
                var expected = _position;
                var committed = await WithRetriesAsync(async ct =>
                {
                    var batch = await BuildAsync(page, expected, ct).ConfigureAwait(false);
                    return await _rebuilds.CommitRebuildBatchAsync(batch, ct).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
                if (!committed)
                {
                    throw new InvalidOperationException(
                        $"The checkpoint of the rebuild of projection '{Name}' ({CheckpointNameOf(Name)}) moved under this rebuild: another rebuild of it started. This one stops; the other goes on.");
                }

                _position = page.ScannedTo;
                _eventsDone += page.Scanned;
            }

            await ReportAsync(state, cancellationToken).ConfigureAwait(false);
            if (page.Scanned < _options.BatchSize && _position >= atLeast)
            {
                return;
            }

            if (page.Scanned == 0)
            {
                throw new InvalidOperationException(
                    $"The log's visible end is before the checkpoint of projection '{Name}' ({atLeast}): the checkpoint was reset past the log. Nothing was swapped.");
            }
        }
    }

    private async Task<ProjectionBatch> BuildAsync(LogPage page, LogPosition expected, CancellationToken cancellationToken)
    {
        var fold = new List<FoldEvent>(page.Events.Count);
        foreach (var recorded in page.Events)
        {
            switch (recorded.Data)
            {
                case UnreadableEvent unreadable when MayHandle(unreadable.EventType):
                    throw new EventSerializationException(
                        $"Stored event {recorded.EventId} ({unreadable.EventType} #{recorded.Version.Value} of stream {recorded.StreamId}, "
                        + $"log position {recorded.LogPosition}) cannot be read, and projection '{Name}' may handle it, so it cannot be rebuilt: {unreadable.Reason}",
                        recorded.StreamId, unreadable.EventType);
                case UnreadableEvent or UnknownEvent:
                    continue;
                default:
                    fold.Add(FoldEvent.Of(recorded));
                    break;
            }
        }

        var keys = InlineProjections.KeysToRead(_projection, fold, readAll: false);
        var read = keys is null
            ? new Dictionary<(string, string), StoredDocument?>()
            : await _rebuilds.ReadRebuildDocumentsAsync(_projection, keys, cancellationToken).ConfigureAwait(false);
        var documents = _store.Projections.Fold(_projection, fold, read) ?? [];
        var events = page.Events;
        return new ProjectionBatch(_projection, CheckpointNameOf(Name), expected, page.ScannedTo, events.Count > 0 ? events[^1].EventId : null,
            documents, []);
    }

    /// <summary>As the runner decides it: an unreadable event may be handled when its name is registered to a handled type or not registered at all.</summary>
    private bool MayHandle(string eventType) =>
        !_store.EventTypes.TryGet(eventType, out var info) || _projection.EventTypes.Any(t => t.IsAssignableFrom(info.ClrType));

    private async Task ReportAsync(RebuildState state, CancellationToken cancellationToken)
    {
        var due = _time.GetElapsedTime(_progressAt) >= ProgressLogInterval;
        if (_head is null || due)
        {
            if (_store is ILogHeadReader heads)
            {
                try
                {
                    _head = (await heads.ReadLogHeadAsync(_position, cancellationToken).ConfigureAwait(false)).HeadPosition;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Only the estimate depends on it.
                }
            }
        }

        Publish(state, _position, error: null);
        if (due)
        {
            _progressAt = _time.GetTimestamp();
            var status = _status;
            _logger.RebuildProgress(Name, status.Position, status.EventsDone, status.EventsPerSecond, status.EstimatedTimeLeft);
        }
    }

    private async Task DropAsync()
    {
        try
        {
            await _rebuilds.DropRebuildAsync(_projection, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.RebuildCleanupFailed(Name, ex);
        }
    }

    private async Task<T> WithRetriesAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception) when (attempt <= _options.MaxRetries)
            {
                var delay = _options.RetryDelay * Math.Pow(2, Math.Min(attempt - 1, 20));
                await Task.Delay(delay < MaxRetryDelay ? delay : MaxRetryDelay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void Publish(RebuildState state, LogPosition position, Exception? error)
    {
        long? left = state is RebuildState.Building or RebuildState.Swapping && _head is { } head
            ? Math.Max(0, head - position.GlobalPosition)
            : null;
        _status = new RebuildStatus(Name, state, position, _eventsDone, _time.GetElapsedTime(_startedAt), left, error);
    }
}
