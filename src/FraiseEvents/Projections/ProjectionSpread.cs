using Microsoft.Extensions.Logging;

namespace FraiseEvents.Projections;

/// <summary>
/// Spreads a store's async projections evenly across its live daemons. The daemon joins the store's
/// members and counts them every <see cref="ProjectionDaemonOptions.LeaseRetryInterval"/>; its runners
/// take a projection's lock through <see cref="TryAcquireAsync"/> only while the daemon holds fewer than
/// its share, ceil(projections / live daemons), and give one up (<see cref="TryShed"/>, between batches)
/// while it holds more. The lock itself stays the store's: this only decides who asks for it.
/// Until the first count (or when counting never worked) there is no share: every runner contends.
/// </summary>
internal sealed class ProjectionSpread
{
    private readonly IAsyncProjectionStore _store;
    private readonly IProjectionDaemonMembers _members;
    private readonly int _projections;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private int _daemons; // 0 until counted
    private int _held;
    private TaskCompletionSource _counted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _stop;
    private Task _loop = Task.CompletedTask;

    public ProjectionSpread(IAsyncProjectionStore store, IProjectionDaemonMembers members, int projections, ProjectionDaemonOptions options,
        TimeProvider time, ILogger logger)
    {
        _store = store;
        _members = members;
        _projections = projections;
        _interval = options.LeaseRetryInterval;
        _time = time;
        _logger = logger;
    }

    /// <summary>The spread for a daemon, or null when it is turned off or the store cannot count its daemons.</summary>
    public static ProjectionSpread? For(IAsyncProjectionStore store, int projections, ProjectionDaemonOptions options, TimeProvider time,
        ILogger logger) =>
        options.SpreadProjections && projections > 0 && store is IProjectionDaemonMembers members
            ? new ProjectionSpread(store, members, projections, options, time, logger)
            : null;

    /// <summary>How many projections this daemon may hold now; all of them until the daemons are counted.</summary>
    public int Share
    {
        get
        {
            lock (_lock)
            {
                return ShareLocked();
            }
        }
    }

    /// <summary>Joins the store's live daemons and keeps counting them, in the background.</summary>
    public void Start()
    {
        _stop = new CancellationTokenSource();
        _counted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stop = _stop.Token;
        _loop = Task.Run(() => RunAsync(stop), CancellationToken.None);
    }

    /// <summary>Leaves the live daemons (after the runners stopped, so that the others count this one until its projections are free).</summary>
    public async Task StopAsync()
    {
        if (_stop is not { } stop)
        {
            return;
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        stop.Dispose();
        _stop = null;
        lock (_lock)
        {
            _daemons = 0;
        }
    }

    /// <summary>
    /// The projection's lock, or null when another daemon holds it or this daemon holds its share.
    /// Waits for the first count, so that a daemon starting beside others does not first take everything.
    /// </summary>
    public async Task<IProjectionLease?> TryAcquireAsync(string projectionName, CancellationToken cancellationToken)
    {
        await _counted.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            if (_held >= ShareLocked())
            {
                return null;
            }

            _held++; // reserved: two runners of this daemon must not both take the last place
        }

        IProjectionLease? lease = null;
        try
        {
            lease = await _store.TryAcquireProjectionLeaseAsync(projectionName, cancellationToken).ConfigureAwait(false);
            return lease is null ? null : new CountedLease(this, lease);
        }
        finally
        {
            if (lease is null)
            {
                Uncount();
            }
        }
    }

    /// <summary>
    /// True when this daemon holds more than its share and <paramref name="lease"/> is the one to give
    /// up: the runner then releases it (its batch is committed) and stands by.
    /// </summary>
    public bool TryShed(IProjectionLease lease)
    {
        if (lease is not CountedLease counted)
        {
            return false;
        }

        lock (_lock)
        {
            if (_held <= ShareLocked() || !counted.Uncount())
            {
                return false;
            }
        }

        return true;
    }

    private int ShareLocked() => _daemons == 0 ? _projections : (_projections + _daemons - 1) / _daemons;

    private void Uncount()
    {
        lock (_lock)
        {
            _held--;
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        IProjectionDaemonMembership? membership = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    membership ??= await _members.JoinProjectionDaemonsAsync(stop).ConfigureAwait(false);
                    var daemons = Math.Max(1, await membership.CountLiveDaemonsAsync(stop).ConfigureAwait(false));
                    int share;
                    lock (_lock)
                    {
                        if (_daemons == daemons)
                        {
                            share = -1;
                        }
                        else
                        {
                            _daemons = daemons;
                            share = ShareLocked();
                        }
                    }

                    if (share >= 0)
                    {
                        _logger.ShareChanged(daemons, share, _projections);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    // Keep the last count: a daemon that cannot reach the database cannot run projections
                    // either, and when its session comes back it joins again.
                    _logger.MembershipFailed(ex);
                    if (membership is not null)
                    {
                        await LeaveAsync(membership).ConfigureAwait(false);
                        membership = null;
                    }
                }

                _counted.TrySetResult();
                try
                {
                    await Task.Delay(_interval, _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            _counted.TrySetResult();
            if (membership is not null)
            {
                await LeaveAsync(membership).ConfigureAwait(false);
            }
        }
    }

    private async Task LeaveAsync(IProjectionDaemonMembership membership)
    {
        try
        {
            await membership.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A membership whose session is gone is left with it.
            _logger.MembershipFailed(ex);
        }
    }

    /// <summary>A lock this daemon holds, counted towards its share until given up or released.</summary>
    private sealed class CountedLease(ProjectionSpread spread, IProjectionLease inner) : IProjectionLease
    {
        private int _counted = 1;

        public Task<bool> IsHeldAsync(CancellationToken cancellationToken) => inner.IsHeldAsync(cancellationToken);

        /// <summary>Stops counting it (once); false when it no longer was.</summary>
        public bool Uncount()
        {
            if (Interlocked.Exchange(ref _counted, 0) == 0)
            {
                return false;
            }

            spread.Uncount();
            return true;
        }

        public async ValueTask DisposeAsync()
        {
            Uncount();
            await inner.DisposeAsync().ConfigureAwait(false);
        }
    }
}
