using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests.Diagnostics;

[TestFixture]
public sealed class HealthCheckTests : PostgresFixture
{
    [Test]
    public async Task A_migrated_store_on_a_durable_server_is_healthy()
    {
        var store = await NewStoreAsync();

        var result = await new PostgresEventStoreHealthCheck(store).CheckHealthAsync(new HealthCheckContext());

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Healthy), result.Description);
        Assert.That(result.Data["migration"], Is.EqualTo(store.Migrations.All[^1].Version));
        Assert.That(result.Data["schema"], Is.EqualTo(store.Schema));
    }

    [Test]
    public async Task A_store_whose_schema_is_missing_is_unhealthy_and_says_what_to_do_without_creating_it()
    {
        var schema = NewSchemaName();
        await using var store = new PostgresEventStore(Database.DataSource, TestEvents.Options(),
            new PostgresEventStoreOptions { Schema = schema, ApplyMigrationsOnStartup = true });

        var result = await new PostgresEventStoreHealthCheck(store).CheckHealthAsync(new HealthCheckContext());

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(result.Description, Does.Contain($"Schema '{schema}' has no FraiseEvents tables").And.Contain("apply the migrations"));
        Assert.That(await Database.ScalarAsync<bool>($"SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '{schema}')"), Is.False,
            "a health check only reads");
    }

    [Test]
    public async Task An_unreachable_server_is_unhealthy()
    {
        // Port 1 of the loopback address: nothing listens there, so the connection is refused at once.
        await using var store = PostgresEventStore.Create("Host=127.0.0.1;Port=1;Username=postgres;Timeout=5");

        var result = await new PostgresEventStoreHealthCheck(store).CheckHealthAsync(new HealthCheckContext());

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(result.Description, Does.StartWith("PostgreSQL does not answer"));
        Assert.That(result.Exception, Is.Not.Null);
    }

    [Test]
    public async Task Registered_through_dependency_injection_it_reports_with_the_registrations_failure_status()
    {
        var migrated = await NewStoreAsync();
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>)); // the health check service logs; an app's host registers logging
        services.AddEventStore(TestEvents.RegisterAll).UsePostgres(Database.ConnectionString, o => o.Schema = migrated.Schema);
        services.AddHealthChecks().AddCheck<PostgresEventStoreHealthCheck>("fraiseevents");
        await using var provider = services.BuildServiceProvider();

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.That(report.Entries["fraiseevents"].Status, Is.EqualTo(HealthStatus.Healthy), report.Entries["fraiseevents"].Description);

        var missing = new ServiceCollection();
        missing.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        missing.AddEventStore(TestEvents.RegisterAll).UsePostgres(Database.ConnectionString, o => o.Schema = NewSchemaName());
        missing.AddHealthChecks().AddCheck<PostgresEventStoreHealthCheck>("fraiseevents", failureStatus: HealthStatus.Degraded);
        await using var missingProvider = missing.BuildServiceProvider();

        var degraded = await missingProvider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.That(degraded.Entries["fraiseevents"].Status, Is.EqualTo(HealthStatus.Degraded));
    }
}
