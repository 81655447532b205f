using FraiseEvents.Projections;
using Microsoft.Extensions.Logging;

namespace FraiseEvents.Subscriptions;

/// <summary>
/// One instance per name (<see cref="SubscriptionOptions.ExclusiveLock"/>): the projection daemon's
/// lock per consumer, keyed <c>subscription:&lt;name&gt;</c> so that it never meets a projection's.
/// Each term of leadership is a run of the ordinary loop, aborted when the lock is lost.
/// </summary>
public sealed partial class Subscription
{
    private IAsyncProjectionStore? _leases;

    private string LeaseName => "subscription:" + Name;

    private void AttachLeadership(IEventStore store) => _leases = _options.ExclusiveLock ? store as IAsyncProjectionStore : null;

    private Task<IProjectionLease?> TryLeadAsync(CancellationToken cancellationToken) =>
        _leases?.TryAcquireProjectionLeaseAsync(LeaseName, cancellationToken) ?? Task.FromResult<IProjectionLease?>(null);

    /// <summary>Starts standing by: the loop takes the lock when it is free (the caller holds the start/stop semaphore).</summary>
    private void StandBy()
    {
        _logger.StandingBy(Name);
        _run?.Dispose(); // a run that ended by itself (faulted) and was never stopped
        var run = new Run();
        Publish(SubscriptionState.Standby, _status.Position, _status.Checkpoint, 0);
        run.Loop = Task.Run(() => LeadAsync(run, lease: null, LogPosition.Start, LogPosition.Start), CancellationToken.None);
        _run = run;
        RegisterGauges();
    }

    /// <summary>
    /// Runs terms of leadership until stopped or faulted: without the lock it stands by and tries
    /// again every <see cref="SubscriptionOptions.LeaseRetryInterval"/>; with it, it runs the loop from
    /// the stored checkpoint while a watch checks the lock, and aborts the term when it is lost (the
    /// handler's token is cancelled, nothing more is stored: the new holder delivers from the checkpoint).
    /// </summary>
    private async Task LeadAsync(Run run, IProjectionLease? lease, LogPosition position, LogPosition stored)
    {
        try
        {
            while (!run.Stopping.IsCancellationRequested)
            {
                if (lease is null)
                {
                    Publish(SubscriptionState.Standby, _status.Position, _status.Checkpoint, 0);
                    (lease, stored) = await WaitForLeaseAsync(run).ConfigureAwait(false);
                    if (lease is null)
                    {
                        break;
                    }

                    position = stored;
                    _logger.TookOver(Name, stored);
                }

                using var term = new Run();
                using var watching = CancellationTokenSource.CreateLinkedTokenSource(run.StopOrAbort.Token);
                using (run.Stopping.Token.Register(static t => ((Run)t!).Stopping.Cancel(), term))
                using (run.Abort.Token.Register(static t => ((Run)t!).Abort.Cancel(), term))
                {
                    var watch = WatchLeaseAsync(lease, term, watching.Token);
                    await RunAsync(term, position, stored).ConfigureAwait(false);
                    await watching.CancelAsync().ConfigureAwait(false);
                    var lost = await watch.ConfigureAwait(false);
                    await ReleaseAsync(lease).ConfigureAwait(false);
                    lease = null;
                    if (!lost || run.Stopping.IsCancellationRequested || run.Abort.IsCancellationRequested)
                    {
                        return; // stopped or faulted: the loop published it
                    }
                }

                _logger.LeaseLost(Name);
            }

            Publish(SubscriptionState.Stopped, _status.Position, _status.Checkpoint, 0);
        }
        finally
        {
            if (lease is not null)
            {
                await ReleaseAsync(lease).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The lock and the stored checkpoint once it is free; null when stopped first.</summary>
    private async Task<(IProjectionLease? Lease, LogPosition Stored)> WaitForLeaseAsync(Run run)
    {
        while (true)
        {
            try
            {
                await Task.Delay(_options.LeaseRetryInterval, _time, run.StopOrAbort.Token).ConfigureAwait(false);
                if (await TryLeadAsync(run.StopOrAbort.Token).ConfigureAwait(false) is { } lease)
                {
                    try
                    {
                        return (lease, await _checkpoints.ReadCheckpointAsync(Name, run.StopOrAbort.Token).ConfigureAwait(false) ?? LogPosition.Start);
                    }
                    catch
                    {
                        await ReleaseAsync(lease).ConfigureAwait(false);
                        throw;
                    }
                }
            }
            catch (OperationCanceledException) when (run.StopOrAbort.IsCancellationRequested)
            {
                return (null, LogPosition.Start);
            }
            catch (Exception ex)
            {
                // The database may be down: standing by goes on, and says so.
                _logger.LeaseFailed(Name, ex);
            }
        }
    }

    /// <summary>Checks the lock every <see cref="SubscriptionOptions.LeaseRetryInterval"/>; true (and the term aborted) when it was lost.</summary>
    private async Task<bool> WatchLeaseAsync(IProjectionLease lease, Run term, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.LeaseRetryInterval, _time, cancellationToken).ConfigureAwait(false);
                bool held;
                try
                {
                    held = await lease.IsHeldAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    _logger.LeaseFailed(Name, ex);
                    held = false;
                }

                if (!held)
                {
                    await term.Abort.CancelAsync().ConfigureAwait(false);
                    return true;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
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

    /// <summary>Releases a lock taken at start unless the start handed it to the loop.</summary>
    private sealed class LeaseGuard(IProjectionLease? lease) : IAsyncDisposable
    {
        private IProjectionLease? _lease = lease;

        public IProjectionLease Hand()
        {
            var handed = _lease!; // only called when the start took the lock
            _lease = null;
            return handed;
        }

        public ValueTask DisposeAsync() => _lease?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
