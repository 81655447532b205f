using System.Globalization;
using FraiseEvents.Subscriptions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraiseEvents.Projections;

/// <summary>
/// Reports whether the log's consumers in this process keep up: the async projections of a
/// <see cref="ProjectionDaemon"/> and the <see cref="Subscription"/>s. Unhealthy (the registration's
/// failure status) when one is faulted, naming it, the event it failed on and the error; degraded
/// when one lags more than <see cref="ProjectionHealthCheckOptions"/> allows, or an open transaction
/// has held the log back too long (naming its process id, application name and age); healthy
/// otherwise. Every consumer's status is in the result's data, keyed <c>projection:&lt;name&gt;</c>
/// or <c>subscription:&lt;name&gt;</c>. It only reads the statuses: no database round trip.
/// </summary>
/// <remarks>
/// <c>AddProjectionHealthCheck()</c> on the <see cref="EventStoreBuilder"/> registers it in the
/// container; add it to the application's health checks with
/// <c>services.AddHealthChecks().AddCheck&lt;ProjectionHealthCheck&gt;("fraiseevents-consumers")</c>.
/// A consumer that another process runs (<see cref="ProjectionState.Standby"/>) or that is stopped
/// is healthy here: check the process that runs it.
/// </remarks>
public sealed class ProjectionHealthCheck : IHealthCheck
{
    private readonly ProjectionDaemon? _daemon;
    private readonly Subscription[] _subscriptions;
    private readonly ProjectionHealthCheckOptions _options;

    /// <summary>Checks <paramref name="daemon"/>'s projections and <paramref name="subscriptions"/>.</summary>
    /// <param name="daemon">The daemon whose projections to check; null checks none.</param>
    /// <param name="subscriptions">The subscriptions to check; null checks none.</param>
    /// <param name="options">The lag thresholds; the defaults when null. Copied here.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public ProjectionHealthCheck(ProjectionDaemon? daemon, IEnumerable<Subscription>? subscriptions, ProjectionHealthCheckOptions? options = null)
    {
        _daemon = daemon;
        _subscriptions = subscriptions is null ? [] : [.. subscriptions];
        _options = (options ?? new ProjectionHealthCheckOptions()).Clone();
        _options.Validate();
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var faults = new List<string>();
        var lags = new List<string>();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var status in _daemon?.Statuses ?? [])
        {
            data["projection:" + status.Name] = status.ToString();
            if (status.State == ProjectionState.Faulted)
            {
                faults.Add(status.Fault?.Message ?? $"Projection '{status.Name}' is faulted.");
            }
            else
            {
                Lag($"Projection '{status.Name}'", status.EventsBehind, status.TimeBehind, status.HoldUp, lags);
            }
        }

        foreach (var subscription in _subscriptions)
        {
            var status = subscription.Status;
            data["subscription:" + subscription.Name] = status.ToString();
            if (status.State == SubscriptionState.Faulted)
            {
                faults.Add(status.Fault?.Message ?? $"Subscription '{subscription.Name}' is faulted.");
            }
            else if (status.State != SubscriptionState.Stopped)
            {
                Lag($"Subscription '{subscription.Name}'", status.EventsBehind, status.TimeBehind, status.HoldUp, lags);
            }
        }

        // Registration is null when the check is called outside the health check service.
        var result = faults.Count > 0
            ? new HealthCheckResult(context?.Registration?.FailureStatus ?? HealthStatus.Unhealthy, string.Join(" ", faults.Concat(lags)), data: data)
            : lags.Count > 0
                ? HealthCheckResult.Degraded(string.Join(" ", lags), data: data)
                : HealthCheckResult.Healthy(
                    string.Create(CultureInfo.InvariantCulture, $"{data.Count} projection(s) and subscription(s), none faulted or lagging."), data);
        return Task.FromResult(result);
    }

    private void Lag(string consumer, long? eventsBehind, TimeSpan? timeBehind, LogHoldUp? holdUp, List<string> lags)
    {
        if (holdUp is not null && _options.MaxHoldUp is { } maxHoldUp && (holdUp.TransactionAge ?? timeBehind) is { } held && held > maxHoldUp)
        {
            lags.Add(string.Create(CultureInfo.InvariantCulture,
                $"{consumer} is held back by {holdUp}: end or commit that transaction (more than {maxHoldUp})."));
            return;
        }

        if (_options.MaxEventsBehind is { } maxEvents && eventsBehind > maxEvents)
        {
            lags.Add(string.Create(CultureInfo.InvariantCulture, $"{consumer} is {eventsBehind} events behind (more than {maxEvents})."));
        }
        else if (_options.MaxTimeBehind is { } maxTime && timeBehind > maxTime)
        {
            lags.Add(string.Create(CultureInfo.InvariantCulture, $"{consumer} is {timeBehind} behind (more than {maxTime})."));
        }
    }
}
