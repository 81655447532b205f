using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FraiseEvents.Projections;

/// <summary>
/// The hosted service dependency injection registers with every store: it starts the container's
/// <see cref="ProjectionDaemon"/> when the store has async projections, and does nothing otherwise
/// (so a store of another kind, or one without async projections, needs no daemon).
/// </summary>
internal sealed class ProjectionDaemonHost(IServiceProvider services) : IHostedService
{
    private ProjectionDaemon? _daemon;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<IEventStore>() is IAsyncProjectionStore { Projections.Async.Count: > 0 })
        {
            var daemon = services.GetRequiredService<ProjectionDaemon>();
            await daemon.StartAsync(cancellationToken).ConfigureAwait(false);
            _daemon = daemon;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => _daemon?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
