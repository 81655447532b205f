using FraiseEvents.Conformance;
using FraiseEvents.Projections;
using FraiseEvents.Subscriptions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NUnit.Framework;

namespace FraiseEvents.Tests.Projections;

public sealed class ProjectionHealthCheckRegistrationTests
{
    [Test]
    public async Task The_registered_check_covers_the_containers_subscriptions_and_uses_the_configured_thresholds()
    {
        var services = new ServiceCollection();
        services.AddEventStore(TestEvents.RegisterAll).UseInMemory()
            .AddSubscription<Ignore>("first")
            .AddSubscription<Ignore>("second")
            .AddProjectionHealthCheck(o => o.MaxEventsBehind = 7)
            .AddProjectionHealthCheck(o => o.MaxHoldUp = null);
        await using var provider = services.BuildServiceProvider();

        var check = provider.GetRequiredService<ProjectionHealthCheck>();
        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Healthy));
        Assert.That(result.Data.Keys, Is.EquivalentTo(new[] { "subscription:first", "subscription:second" }));
        Assert.That(provider.GetRequiredService<ProjectionHealthCheck>(), Is.SameAs(check), "a singleton");
    }

    [Test]
    public void A_negative_threshold_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ProjectionHealthCheck(daemon: null, subscriptions: null, new ProjectionHealthCheckOptions { MaxEventsBehind = -1 }));
        Assert.That(error!.Message, Does.Contain("MaxEventsBehind"));
    }

    private sealed class Ignore : ISubscriptionHandler
    {
        public ValueTask HandleAsync(RecordedEvent recorded, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
