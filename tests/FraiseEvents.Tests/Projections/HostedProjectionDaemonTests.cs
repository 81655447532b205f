using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Projections;
using FraiseEvents.Projections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;

namespace FraiseEvents.Tests.Projections;

public sealed class HostedProjectionDaemonTests
{
    [Test]
    public async Task A_generic_host_runs_async_projections_registered_with_the_container_and_stops_them()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddEventStore(TestEvents.RegisterAll).UseInMemory()
            .AddProjection<AsyncUserDocumentProjection>()
            .ConfigureProjectionDaemon(o => o.PollInterval = TimeSpan.FromMilliseconds(10));
        using var host = builder.Build();
        var store = host.Services.GetRequiredService<IEventStore>();
        var id = StreamId.New();

        await host.StartAsync();
        var appended = await store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(id.Value, "Ada", "ada@example.com"))]);
        var daemon = host.Services.GetRequiredService<ProjectionDaemon>();
        await daemon.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, appended.LogPosition, TimeSpan.FromSeconds(60));
        var running = daemon.GetStatus(AsyncUserDocumentProjection.ProjectionName).State;
        await host.StopAsync();

        Assert.That(await host.Services.GetRequiredService<IDocumentReader>().LoadAsync<AsyncUserDocument>(id),
            Is.EqualTo(new AsyncUserDocument("Ada", "ada@example.com", 1)));
        Assert.That(running, Is.AnyOf(ProjectionState.CatchingUp, ProjectionState.Live));
        Assert.That(daemon.GetStatus(AsyncUserDocumentProjection.ProjectionName).State, Is.EqualTo(ProjectionState.Stopped));
    }

    [Test]
    public async Task A_host_whose_store_has_no_async_projection_starts_no_daemon()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddEventStore(TestEvents.RegisterAll).UseInMemory().AddProjection<UserDocumentProjection>();
        using var host = builder.Build();

        await host.StartAsync();
        var daemon = host.Services.GetRequiredService<ProjectionDaemon>();
        await host.StopAsync();

        Assert.That(daemon.Statuses, Is.Empty);
        Assert.That(host.Services.GetServices<IHostedService>().Count(), Is.EqualTo(1), "the daemon's host service, which found nothing to run");
    }
}
