using Microsoft.Extensions.Logging;

namespace FraiseEvents.Subscriptions;

public sealed partial class Subscription
{
    /// <summary>The first re-read after a wake-up that found nothing visible yet; it doubles up to the poll interval.</summary>
    private static readonly TimeSpan FirstHeldBackRetry = TimeSpan.FromMilliseconds(2);

    /// <summary>The longest wait between re-reads while the log is held back after a wake-up.</summary>
    private static readonly TimeSpan MaxHeldBackRetry = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The one loop of a run: read a page after <paramref name="position"/>, hand its events to the
    /// handler in order, store the checkpoint when due, wait to be woken (or poll) when the page came
    /// back short. Never throws: every way out ends in a status.
    /// </summary>
    private async Task RunAsync(Run run, LogPosition position, LogPosition stored)
    {
        var checkpoint = new CheckpointProgress(stored, _time.GetTimestamp());
        long handled = 0;
        var state = SubscriptionState.CatchingUp;
        // Made before the first read, so that an append signalled while that read runs wakes the first wait.
        using var waiter = _wakeUp?.CreateWaiter() ?? new LogWaiter(signal: null);
        var lag = _heads is null ? null : new LagWatch(_heads, Name, _options.HoldUpWarningAfter, _time, _logger);
        var woken = false;
        TimeSpan? heldBackRetry = null;
        var logSeenClear = false;
        try
        {
            while (!run.Stopping.IsCancellationRequested)
            {
                LogPage page;
                try
                {
                    page = await WithRetriesAsync(ct => _reader.ReadLogPageAsync(position, _options.BatchSize, _filter, ct), run.StopOrAbort.Token)
                        .ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (run.Stopping.IsCancellationRequested && !run.Abort.IsCancellationRequested)
                {
                    break;
                }

                var wholePage = true;
                foreach (var recorded in page.Events)
                {
                    if (run.Stopping.IsCancellationRequested)
                    {
                        wholePage = false;
                        break;
                    }

                    var outcome = await HandleAsync(recorded, run).ConfigureAwait(false);
                    if (outcome is Failed failed)
                    {
                        // Everything before the failing event is handled: keep that, and nothing past it.
                        await StoreAsync(checkpoint, position, run.Abort.Token).ConfigureAwait(false);
                        Fault(position, checkpoint.Stored, handled, failed.Fault);
                        return;
                    }

                    if (outcome is StoppedBeforeHandling)
                    {
                        wholePage = false;
                        break;
                    }

                    position = recorded.LogPosition;
                    handled++;
                    CountHandled();
                    checkpoint.Handled++;
                    if (checkpoint.Handled >= _options.CheckpointAfterEvents || checkpoint.Due(_time, _options.CheckpointInterval))
                    {
                        await StoreAsync(checkpoint, position, run.Abort.Token).ConfigureAwait(false);
                    }

                    Publish(state, position, checkpoint.Stored, handled, lag: lag?.Lag);
                }

                if (!wholePage)
                {
                    break;
                }

                // Past the events the filter left out too, so that a log full of other events moves the checkpoint.
                if (page.ScannedTo > position)
                {
                    position = page.ScannedTo;
                }

                if (position != checkpoint.Stored && checkpoint.Due(_time, _options.CheckpointInterval))
                {
                    await StoreAsync(checkpoint, position, run.Abort.Token).ConfigureAwait(false);
                }

                state = page.Scanned < _options.BatchSize ? SubscriptionState.Live : SubscriptionState.CatchingUp;
                var progressed = page.Scanned > 0;
                try
                {
                    if (lag is not null)
                    {
                        // A wake-up that found nothing: is an open transaction holding the event back?
                        await lag.RefreshAsync(position, state == SubscriptionState.Live, progressed, now: woken || heldBackRetry is not null, run.StopOrAbort.Token)
                            .ConfigureAwait(false);
                    }

                    Publish(state, position, checkpoint.Stored, handled, lag: lag?.Lag);
                    if (state == SubscriptionState.Live)
                    {
                        if (woken || heldBackRetry is not null)
                        {
                            // The log may have been released between the read and the lag check (the holder's end
                            // signals nothing): the first time it is seen clear, read once more, a read that started
                            // after the check; only then wait to be woken.
                            var heldBack = lag is { HeldBack: true };
                            (heldBackRetry, logSeenClear) = heldBack ? (NextHeldBackRetry(heldBackRetry, progressed), false)
                                : !logSeenClear ? (TimeSpan.Zero, true)
                                : ((TimeSpan?)null, false);
                        }
                        woken = await waiter.WaitAsync(heldBackRetry ?? _options.PollInterval, _time, run.StopOrAbort.Token).ConfigureAwait(false);
                    }
                    else
                    {
                        woken = false;
                    }
                }
                catch (OperationCanceledException) when (run.Stopping.IsCancellationRequested && !run.Abort.IsCancellationRequested)
                {
                    break;
                }
            }

            await StoreAsync(checkpoint, position, run.Abort.Token).ConfigureAwait(false);
            Publish(SubscriptionState.Stopped, position, checkpoint.Stored, handled);
            _logger.Stopped(Name, checkpoint.Stored);
        }
        catch (OperationCanceledException) when (run.Abort.IsCancellationRequested)
        {
            Publish(SubscriptionState.Stopped, position, checkpoint.Stored, handled);
            _logger.Abandoned(Name, checkpoint.Stored);
        }
        catch (RetriesExhaustedException ex)
        {
            Fault(position, checkpoint.Stored, handled, new SubscriptionFault(Name, failedEvent: null, ex.Attempts, ex.InnerException!)); // always set by its constructor
        }
        catch (Exception ex)
        {
            Fault(position, checkpoint.Stored, handled, new SubscriptionFault(Name, failedEvent: null, attempts: 1, ex));
        }
    }

    /// <summary>
    /// The wait before the next read when it should be shorter than the poll interval: an append
    /// woke the subscription but committed events still wait beyond the log's visible end, because
    /// an older transaction is open. That transaction's end signals nothing, so the subscription
    /// re-reads soon, 2 ms then doubling up to a second (or the poll interval, if shorter), for as
    /// long as the log is held back; a read that found events starts the back-off again.
    /// </summary>
    private TimeSpan NextHeldBackRetry(TimeSpan? current, bool progressed)
    {
        var longest = _options.PollInterval < MaxHeldBackRetry ? _options.PollInterval : MaxHeldBackRetry;
        var next = current is { } retry && retry > TimeSpan.Zero && !progressed ? retry * 2 : FirstHeldBackRetry;
        return next < longest ? next : longest;
    }

    private void Fault(LogPosition position, LogPosition stored, long handled, SubscriptionFault fault)
    {
        Publish(SubscriptionState.Faulted, position, stored, handled, fault);
        CountFault(fault);
        _logger.Faulted(fault, fault.Error);
    }

    /// <summary>Calls the handler, retrying with back-off; a graceful stop during a back-off leaves the event for the next start.</summary>
    private async Task<HandleOutcome> HandleAsync(RecordedEvent recorded, Run run)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _handler(recorded, run.Abort.Token).ConfigureAwait(false);
                return Handled.Instance;
            }
            catch (OperationCanceledException) when (run.Abort.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                if (attempt > _options.MaxRetries)
                {
                    return new Failed(new SubscriptionFault(Name, recorded, attempt, ex));
                }

                var delay = RetryDelay(attempt);
                _logger.HandlerRetry(Name, attempt, recorded.EventId, recorded.LogPosition, delay, ex);
                try
                {
                    await Task.Delay(delay, _time, run.StopOrAbort.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!run.Abort.IsCancellationRequested)
                {
                    return StoppedBeforeHandling.Instance;
                }
            }
        }
    }

    /// <summary>Stores <paramref name="position"/> by compare-and-set from the last stored checkpoint; does nothing when it has not moved.</summary>
    private async Task StoreAsync(CheckpointProgress checkpoint, LogPosition position, CancellationToken cancellationToken)
    {
        if (position != checkpoint.Stored)
        {
            var expected = checkpoint.Stored;
            var moved = await WithRetriesAsync(
                ct => _checkpoints.CompareAndSetCheckpointAsync(Name, expected, position, ct), cancellationToken).ConfigureAwait(false);
            if (!moved)
            {
                throw new CheckpointMovedException(Name, expected);
            }
        }

        checkpoint.Stored = position;
        checkpoint.Handled = 0;
        checkpoint.StoredAt = _time.GetTimestamp();
    }

    /// <summary>Reads and checkpoint writes: retried with the handler's back-off, then <see cref="RetriesExhaustedException"/>.</summary>
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
            catch (ArgumentException)
            {
                throw;
            }
            catch (Exception ex)
            {
                if (attempt > _options.MaxRetries)
                {
                    throw new RetriesExhaustedException(attempt, ex);
                }

                var delay = RetryDelay(attempt);
                _logger.StoreRetry(Name, attempt, delay, ex);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The checkpoint as stored, and what has happened since.</summary>
    private sealed class CheckpointProgress(LogPosition stored, long storedAt)
    {
        public LogPosition Stored { get; set; } = stored;

        public long StoredAt { get; set; } = storedAt;

        public int Handled { get; set; }

        public bool Due(TimeProvider time, TimeSpan interval) => time.GetElapsedTime(StoredAt) >= interval;
    }

    private abstract class HandleOutcome;

    private sealed class Handled : HandleOutcome
    {
        public static Handled Instance { get; } = new();
    }

    private sealed class StoppedBeforeHandling : HandleOutcome
    {
        public static StoppedBeforeHandling Instance { get; } = new();
    }

    private sealed class Failed(SubscriptionFault fault) : HandleOutcome
    {
        public SubscriptionFault Fault { get; } = fault;
    }

    private sealed class RetriesExhaustedException(int attempts, Exception last) : Exception(last.Message, last)
    {
        public int Attempts { get; } = attempts;
    }
}
