using Microsoft.Extensions.Logging;

namespace FraiseEvents.Subscriptions;

/// <summary>
/// A subscription's lag figures and hold-up watch: reads the head of the log at most once a second
/// (and not at all while the subscription sits idle at an end that nothing holds back), asks who
/// holds the log when it is held back, and warns once per holder that keeps it waiting too long.
/// The projection daemon's runners use it too (<paramref name="projection"/>), logging as projections.
/// </summary>
internal sealed class LagWatch(ILogHeadReader reader, string subscription, TimeSpan warnAfter, TimeProvider time, ILogger logger,
    bool projection = false)
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private long _refreshedAt = time.GetTimestamp() - (long)(RefreshInterval.TotalSeconds * time.TimestampFrequency);
    private bool _progressed = true;
    private bool _lagging = true;
    private long? _holder;
    private long _holderSeenAt;
    private bool _warned;
    private bool _failureLogged;

    /// <summary>The figures of the last refresh; null before the first.</summary>
    public SubscriptionLag? Lag { get; private set; }

    /// <summary>The last refresh found committed events waiting beyond the visible end.</summary>
    public bool HeldBack { get; private set; }

    /// <summary>Refreshes when due, or at once when <paramref name="now"/> asks. Never throws but for cancellation: failures are logged once and skipped.</summary>
    public async Task RefreshAsync(LogPosition position, bool live, bool progressed, bool now, CancellationToken cancellationToken)
    {
        _progressed |= progressed;
        if (!now && (time.GetElapsedTime(_refreshedAt) < RefreshInterval || !(_progressed || _lagging)))
        {
            return;
        }

        _refreshedAt = time.GetTimestamp();
        _progressed = false;
        try
        {
            var head = await reader.ReadLogHeadAsync(position, cancellationToken).ConfigureAwait(false);
            var holdUp = live && head.HeldBack ? await reader.ReadLogHoldUpAsync(cancellationToken).ConfigureAwait(false) : null;
            var behind = Math.Max(0, head.HeadPosition - position.GlobalPosition);
            var late = head.OldestUnreadAge is { } age && age > TimeSpan.Zero ? age : TimeSpan.Zero;
            Lag = new SubscriptionLag(behind, late, holdUp);
            HeldBack = head.HeldBack;
            _lagging = behind > 0 || head.HeldBack;
            _failureLogged = false;
            Watch(holdUp);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // The figures are for people and health checks: a failure to read them must not stop delivery.
            if (!_failureLogged)
            {
                _failureLogged = true;
                if (projection)
                {
                    Projections.ProjectionDaemonLog.LagReadFailed(logger, subscription, ex);
                }
                else
                {
                    logger.LagReadFailed(subscription, ex);
                }
            }
        }
    }

    private void Watch(LogHoldUp? holdUp)
    {
        if (holdUp is null)
        {
            _holder = null;
            return;
        }

        if (_holder != holdUp.TransactionId)
        {
            _holder = holdUp.TransactionId;
            _holderSeenAt = time.GetTimestamp();
            _warned = false;
        }

        var waited = time.GetElapsedTime(_holderSeenAt);
        if (!_warned && waited >= warnAfter)
        {
            _warned = true;
            if (projection)
            {
                Projections.ProjectionDaemonLog.HeldUp(logger, subscription, waited, holdUp.TransactionId, holdUp.ProcessId, holdUp.ApplicationName,
                    holdUp.State, holdUp.TransactionAge);
            }
            else
            {
                logger.HeldUp(subscription, waited, holdUp.TransactionId, holdUp.ProcessId, holdUp.ApplicationName, holdUp.State, holdUp.TransactionAge);
            }
        }
    }
}
