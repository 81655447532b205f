using FraiseEvents.Diagnostics;
using FraiseEvents.Subscriptions;
using Microsoft.Extensions.Logging;

namespace FraiseEvents.Projections;

/// <summary>
/// Runs one async projection for a <see cref="ProjectionDaemon"/>: takes its lock, reads its checkpoint,
/// then reads the log in batches after it and commits each batch's writes with the checkpoint's
/// compare-and-set. One loop per start; every way out of it ends in a status.
/// </summary>
internal sealed partial class ProjectionRunner
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FirstHeldBackRetry = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan MaxHeldBackRetry = TimeSpan.FromSeconds(1);

    private readonly IAsyncProjectionStore _store;
    private readonly IProjection _projection;
    private readonly ProjectionDaemonOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConsumerMetrics? _metrics;
    private readonly KeyValuePair<string, object?>[] _tags;
    private volatile ProjectionStatus _status;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Run? _run;

    public ProjectionRunner(IAsyncProjectionStore store, IProjection projection, ProjectionDaemonOptions options, TimeProvider time, ILogger logger)
    {
        _store = store;
        _projection = projection;
        _options = options;
        _time = time;
        _logger = logger;
        CheckpointName = CheckpointNameOf(projection.Name);
        _status = new ProjectionStatus(projection.Name, ProjectionState.Stopped, LogPosition.Start, 0, null);
        var telemetry = (store as IInstrumentedEventStore)?.Telemetry;
        _metrics = telemetry?.Metrics?.Consumers;
        _tags = telemetry?.ConsumerTags(ConsumerMetrics.ProjectionTag, projection.Name) ?? [];
    }

    public string Name => _projection.Name;

    /// <summary>Spreads the projections across daemons; null when it is off (every runner contends).</summary>
    public ProjectionSpread? Spread { get; init; }

    public string CheckpointName { get; }

    public ProjectionStatus Status => _status;

    /// <summary>Completes at the next change of <see cref="Status"/>.</summary>
    public Task Changed => Volatile.Read(ref _changed).Task;

    public bool IsRunning => _run is { Loop.IsCompleted: false };

    public static string CheckpointNameOf(string projectionName) => "projection:" + projectionName;

    public void Start()
    {
        _run?.Dispose(); // a run that ended by itself (faulted) and was never stopped
        var run = new Run();
        Publish(ProjectionState.Standby, _status.Position, 0);
        run.Loop = Task.Run(() => RunAsync(run), CancellationToken.None);
        _run = run;
        _metrics?.Register(this, ConsumerKind.Projection, _tags, ReadGauges);
    }

    /// <summary>Graceful: the batch in flight commits, then the loop ends; cancelling <paramref name="cancellationToken"/> rolls it back instead.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_run is not { } run)
        {
            return;
        }

        await run.Stopping.CancelAsync().ConfigureAwait(false);
        using (cancellationToken.Register(static state => ((Run)state!).Abort.Cancel(), run))
        {
            await run.Loop.ConfigureAwait(false);
        }

        run.Dispose();
        _run = null;
        _metrics?.Unregister(this);
    }

    private async Task RunAsync(Run run)
    {
        IProjectionLease? lease = null;
        var position = _status.Position;
        long applied = 0;
        var leaseCheckedAt = _time.GetTimestamp();
        var yieldFirst = false;
        // Made before the first read, so that an append signalled while that read runs wakes the first wait.
        using var waiter = (_store as ILogWakeUp)?.CreateWaiter() ?? new LogWaiter(signal: null);
        var woken = false;
        TimeSpan? heldBackRetry = null;
        var logSeenClear = false;
        var lag = _store is ILogHeadReader heads ? new LagWatch(heads, Name, _options.HoldUpWarningAfter, _time, _logger, projection: true) : null;
        try
        {
            while (!run.Stopping.IsCancellationRequested)
            {
                if (lease is null)
                {
                    // After losing the lock (or being fenced), leave the others a turn before contending again.
                    if (yieldFirst && !await DelayAsync(_options.LeaseRetryInterval, run).ConfigureAwait(false))
                    {
                        break;
                    }

                    yieldFirst = false;
                    // A failure to even ask (the database is down, the role may not call the function) is
                    // retried, then faults the projection: a daemon that cannot run it must say so.
                    lease = await WithRetriesAsync(ct => Spread?.TryAcquireAsync(Name, ct) ?? _store.TryAcquireProjectionLeaseAsync(Name, ct),
                            run.StopOrAbort.Token)
                        .ConfigureAwait(false);
                    if (lease is null)
                    {
                        Publish(ProjectionState.Standby, position, applied);
                        if (!await DelayAsync(_options.LeaseRetryInterval, run).ConfigureAwait(false))
                        {
                            break;
                        }

                        continue;
                    }

                    leaseCheckedAt = _time.GetTimestamp();
                    position = await WithRetriesAsync(ct => _store.ReadCheckpointAsync(CheckpointName, ct), run.StopOrAbort.Token)
                        .ConfigureAwait(false) ?? LogPosition.Start;
                    Publish(ProjectionState.CatchingUp, position, applied);
                    _logger.Leading(Name, position);
                }

                // Between batches: a daemon running more than its share gives this projection up to another.
                if (Spread?.TryShed(lease) == true)
                {
                    _logger.Shed(Name);
                    await ReleaseAsync(lease).ConfigureAwait(false);
                    lease = null;
                    yieldFirst = true;
                    Publish(ProjectionState.Standby, position, applied);
                    continue;
                }

                // The lock is checked every LeaseRetryInterval, not for every batch: a runner that lost it
                // without knowing is fenced by the checkpoint's compare-and-set anyway, so the check only
                // decides how soon it steps down.
                if (_time.GetElapsedTime(leaseCheckedAt) >= _options.LeaseRetryInterval)
                {
                    leaseCheckedAt = _time.GetTimestamp();
                    if (!await StillLeadingAsync(lease, run.StopOrAbort.Token).ConfigureAwait(false))
                    {
                        _logger.LeaseLost(Name);
                        await ReleaseAsync(lease).ConfigureAwait(false);
                        lease = null;
                        yieldFirst = true;
                        Publish(ProjectionState.Standby, position, applied);
                        continue;
                    }
                }

                // A rebuild's swap runs here, between two batches, while this runner holds the lock (ProjectionRunner.Rebuild.cs).
                if (Volatile.Read(ref _pendingSwap) is not null)
                {
                    position = await SwapIfRequestedAsync(position, run).ConfigureAwait(false);
                    Publish(ProjectionState.CatchingUp, position, applied);
                }

                var page = await WithRetriesAsync(ct => _store.ReadLogPageAsync(position, _options.BatchSize, LogFilter.None, ct),
                    run.StopOrAbort.Token).ConfigureAwait(false);
                var complete = true;
                if (page.Scanned > 0)
                {
                    var outcome = await ApplyAsync(page, position, run).ConfigureAwait(false);
                    switch (outcome)
                    {
                        case Committed committed:
                            position = committed.Position;
                            applied += committed.Events;
                            _metrics?.ProjectionEvents.Add(committed.Events, _tags);
                            complete = !committed.Partial;
                            break;
                        case Fenced:
                            // Someone moved the checkpoint under this runner. If this runner lost its lock, it is
                            // the zombie: it steps down. If it still holds it, another runner that lost the lock
                            // (and does not know yet) or a reset moved it: continue from where it is now.
                            _logger.Fenced(Name, position);
                            leaseCheckedAt = _time.GetTimestamp();
                            if (await StillLeadingAsync(lease, run.StopOrAbort.Token).ConfigureAwait(false))
                            {
                                position = await WithRetriesAsync(ct => _store.ReadCheckpointAsync(CheckpointName, ct), run.StopOrAbort.Token)
                                    .ConfigureAwait(false) ?? LogPosition.Start;
                                Publish(ProjectionState.CatchingUp, position, applied);
                                continue;
                            }

                            _logger.LeaseLost(Name);
                            await ReleaseAsync(lease).ConfigureAwait(false);
                            lease = null;
                            yieldFirst = true;
                            Publish(ProjectionState.Standby, position, applied);
                            continue;
                        case Failed failed:
                            Publish(ProjectionState.Faulted, position, applied, failed.Fault);
                            _logger.Faulted(failed.Fault, failed.Fault.Error);
                            return;
                        default: // stopped gracefully during a back-off: nothing of the batch is written
                            complete = false;
                            break;
                    }

                    if (outcome is StoppedBeforeApplying)
                    {
                        break;
                    }
                }

                var live = complete && page.Scanned < _options.BatchSize;
                if (lag is not null)
                {
                    // Due at most once a second, and at once when a wake-up found nothing: is an open transaction holding the log back?
                    await lag.RefreshAsync(position, live, page.Scanned > 0, now: woken && page.Scanned == 0, run.StopOrAbort.Token).ConfigureAwait(false);
                }

                Publish(live ? ProjectionState.Live : ProjectionState.CatchingUp, position, applied, lag: lag?.Lag);
                if (!live)
                {
                    woken = false;
                    continue;
                }

                if (woken || heldBackRetry is not null)
                {
                    var next = await NextHeldBackRetryAsync(heldBackRetry, position, progressed: page.Scanned > 0, run.StopOrAbort.Token)
                        .ConfigureAwait(false);
                    // The log may have been released between the read and this check (the holder's end signals
                    // nothing): the first time it is seen clear, read once more, a read that started after
                    // the check and so sees every event committed before it; only then wait to be woken.
                    (heldBackRetry, logSeenClear) = next is not null ? (next, false)
                        : !logSeenClear ? (TimeSpan.Zero, true)
                        : ((TimeSpan?)null, false);
                }
                try
                {
                    woken = await WaitForLogOrSwapAsync(waiter, heldBackRetry ?? _options.PollInterval, run).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!run.Abort.IsCancellationRequested)
                {
                    break;
                }
            }

            Publish(ProjectionState.Stopped, position, applied);
            _logger.ProjectionStopped(Name, position);
        }
        catch (OperationCanceledException) when (run.Abort.IsCancellationRequested)
        {
            Publish(ProjectionState.Stopped, position, applied);
            _logger.Abandoned(Name, position);
        }
        catch (OperationCanceledException) when (run.Stopping.IsCancellationRequested)
        {
            // A graceful stop while reading or waiting for the lock: nothing was in flight.
            Publish(ProjectionState.Stopped, position, applied);
            _logger.ProjectionStopped(Name, position);
        }
        catch (RetriesExhaustedException ex)
        {
            var fault = new ProjectionFault(Name, failedEvent: null, ex.Attempts, ex.InnerException!); // always set by its constructor
            Publish(ProjectionState.Faulted, position, applied, fault);
            _logger.Faulted(fault, fault.Error);
        }
        catch (Exception ex)
        {
            var fault = new ProjectionFault(Name, failedEvent: null, attempts: 1, ex);
            Publish(ProjectionState.Faulted, position, applied, fault);
            _logger.Faulted(fault, ex);
        }
        finally
        {
            if (lease is not null)
            {
                await ReleaseAsync(lease).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The wait before the next read when an append woke the runner but committed events still wait
    /// beyond the log's visible end, because an older transaction is open: that transaction's end
    /// signals nothing, so the runner looks again soon, 2 ms then doubling up to a second (or the
    /// poll interval, if shorter), for as long as the log is held back. Null: wait to be woken.
    /// </summary>
    private async Task<TimeSpan?> NextHeldBackRetryAsync(TimeSpan? current, LogPosition position, bool progressed, CancellationToken cancellationToken)
    {
        if (_store is not ILogHeadReader heads)
        {
            return null;
        }

        try
        {
            var head = await heads.ReadLogHeadAsync(position, cancellationToken).ConfigureAwait(false);
            if (!head.HeldBack)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Only latency depends on it: polling at the poll interval still delivers.
            return null;
        }

        var longest = _options.PollInterval < MaxHeldBackRetry ? _options.PollInterval : MaxHeldBackRetry;
        var next = current is { } retry && retry > TimeSpan.Zero && !progressed ? retry * 2 : FirstHeldBackRetry;
        return next < longest ? next : longest;
    }

    private async Task<bool> StillLeadingAsync(IProjectionLease lease, CancellationToken cancellationToken)
    {
        try
        {
            return await lease.IsHeldAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            _logger.LeaseFailed(Name, ex);
            return false;
        }
    }

    private async Task ReleaseAsync(IProjectionLease lease)
    {
        try
        {
            await lease.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A lease whose session is gone is released with it.
            _logger.LeaseFailed(Name, ex);
        }
    }

    /// <summary>Waits; false when a graceful stop came first (an abort throws).</summary>
    private async Task<bool> DelayAsync(TimeSpan delay, Run run)
    {
        try
        {
            await Task.Delay(delay, _time, run.StopOrAbort.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!run.Abort.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Reads: retried with the batch's back-off, then <see cref="RetriesExhaustedException"/>.</summary>
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
            catch (Exception ex)
            {
                if (attempt > _options.MaxRetries)
                {
                    throw new RetriesExhaustedException(attempt, ex);
                }

                await Task.Delay(RetryDelay(attempt), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private TimeSpan RetryDelay(int attempt)
    {
        var delay = _options.RetryDelay * Math.Pow(2, Math.Min(attempt - 1, 20));
        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }

    private void Publish(ProjectionState state, LogPosition position, long applied, ProjectionFault? fault = null, SubscriptionLag? lag = null)
    {
        _status = new ProjectionStatus(Name, state, position, applied, fault, lag)
        {
            DeadLettered = _failures?.DeadLettered ?? 0, ParkedKeys = _failures?.ParkedKeys ?? 0, LastError = _failures?.LastError,
        };
        if (fault is not null && _metrics is not null)
        {
            ConsumerMetrics.CountFault(_metrics.ProjectionErrors, _tags, fault.Error);
        }

        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private sealed class RetriesExhaustedException(int attempts, Exception last) : Exception(last.Message, last)
    {
        public int Attempts { get; } = attempts;
    }

    /// <summary>One start-to-stop: the graceful stop, the abort, and the loop.</summary>
    private sealed class Run : IDisposable
    {
        public Run() => StopOrAbort = CancellationTokenSource.CreateLinkedTokenSource(Stopping.Token, Abort.Token);

        /// <summary>Graceful stop: finish the batch in flight (commit it), read nothing more.</summary>
        public CancellationTokenSource Stopping { get; } = new();

        /// <summary>Forced stop: the batch in flight is cancelled, so rolled back.</summary>
        public CancellationTokenSource Abort { get; } = new();

        /// <summary>Cancels reads, lock attempts and waits on either kind of stop.</summary>
        public CancellationTokenSource StopOrAbort { get; }

        public Task Loop { get; set; } = Task.CompletedTask;

        public void Dispose()
        {
            StopOrAbort.Dispose();
            Stopping.Dispose();
            Abort.Dispose();
        }
    }

    private ConsumerReading ReadGauges()
    {
        var status = _status;
        return new ConsumerReading(status.EventsBehind, status.TimeBehind, ConsumerReading.StateName(status.State));
    }
}
