using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraiseEvents.Postgres;

/// <summary>
/// Reports whether a <see cref="PostgresEventStore"/> can work: the server answers, the schema has
/// every migration this library needs, and the durability guards the store checks at start-up
/// pass. It only reads: it never applies migrations or initializes the store.
/// </summary>
/// <remarks>
/// <c>UsePostgres</c> registers it in the container; add it to the application's health checks with
/// <c>services.AddHealthChecks().AddCheck&lt;PostgresEventStoreHealthCheck&gt;("fraiseevents")</c>.
/// Unsafe durability settings that <see cref="PostgresEventStoreOptions.AllowUnsafeDurabilitySettings"/>
/// allows are reported as degraded; every other problem with the registration's failure status
/// (unhealthy by default).
/// </remarks>
/// <param name="store">The store to check.</param>
public sealed class PostgresEventStoreHealthCheck(PostgresEventStore store) : IHealthCheck
{
    private readonly PostgresEventStore _store = store ?? throw new ArgumentNullException(nameof(store));

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        // Registration is null when the check is called outside the health check service.
        _store.CheckHealthAsync(context?.Registration?.FailureStatus ?? HealthStatus.Unhealthy, cancellationToken);
}
