using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FraiseEvents;

/// <summary>Registers FraiseEvents with a service collection.</summary>
public static class FraiseEventsServiceCollectionExtensions
{
    /// <summary>
    /// Adds an event store. Calling it again returns the same builder and adds the settings.
    /// Then choose the storage: <c>.UsePostgres(...)</c> or <c>.UseInMemory()</c>. The store is
    /// registered as <see cref="IEventStore"/>, as <see cref="Projections.IDocumentReader"/> and as
    /// <see cref="ICheckpointStore"/>. A <see cref="Projections.ProjectionDaemon"/> is registered too (a
    /// singleton, for its status and read-your-writes waits), with a hosted service that starts it when
    /// the store has async projections and does nothing otherwise.
    /// </summary>
    /// <example><code>
    /// services.AddEventStore(o => o.Events.Register&lt;UserCreated&gt;()).UsePostgres(connectionString);
    /// </code></example>
    public static EventStoreBuilder AddEventStore(this IServiceCollection services, Action<EventStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.FirstOrDefault(d => d.ServiceType == typeof(BuilderMarker))?.ImplementationInstance is BuilderMarker marker
            ? marker.Builder
            : null;
        if (builder is null)
        {
            builder = new EventStoreBuilder(services);
            services.AddSingleton(new BuilderMarker(builder));
            services.TryAddSingleton(builder.BuildOptions);
            // The store's other faces, so that a class can ask for just what it uses.
            services.TryAddSingleton(static sp => (Projections.IDocumentReader)sp.GetRequiredService<IEventStore>());
            services.TryAddSingleton(static sp => sp.GetRequiredService<IEventStore>() as ICheckpointStore ?? throw new InvalidOperationException(
                "The registered IEventStore does not keep consumer checkpoints (ICheckpointStore); both FraiseEvents stores do."));
            services.TryAddSingleton(builder.BuildProjectionDaemon);
            services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService, Projections.ProjectionDaemonHost>();
            services.TryAddSingleton<IEventStore>(_ => throw new InvalidOperationException(
                "AddEventStore() was called but no storage was chosen. Call .UsePostgres(...) (package FraiseEvents.Postgres) or .UseInMemory() on the builder it returns."));
        }

        if (configure is not null)
        {
            builder.Configure(configure);
        }

        return builder;
    }

    private sealed class BuilderMarker(EventStoreBuilder builder)
    {
        public EventStoreBuilder Builder { get; } = builder;
    }
}
