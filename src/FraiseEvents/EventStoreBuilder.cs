using FraiseEvents.InMemory;
using FraiseEvents.Projections;
using FraiseEvents.Upcasting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FraiseEvents;

/// <summary>
/// Returned by <see cref="FraiseEventsServiceCollectionExtensions.AddEventStore"/>: choose where
/// events are stored (<c>UsePostgres</c>, <see cref="UseInMemory"/>) and add settings.
/// </summary>
public sealed class EventStoreBuilder
{
    private readonly List<Action<EventStoreOptions>> _configure = [];

    internal EventStoreBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds settings; every action runs, in order, when the options are first needed.</summary>
    public EventStoreBuilder Configure(Action<EventStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configure.Add(configure);
        return this;
    }

    /// <summary>
    /// Adds an upcaster class resolved from the container (so it can take dependencies). Every
    /// upcaster is checked with the others when the store is created.
    /// </summary>
    public EventStoreBuilder AddUpcaster<TUpcaster>() where TUpcaster : EventUpcaster
    {
        Services.AddSingleton<EventUpcaster, TUpcaster>();
        return this;
    }

    /// <summary>
    /// Adds a projection class resolved from the container (so it can take dependencies). Every
    /// projection is checked with the others when the store is created.
    /// </summary>
    public EventStoreBuilder AddProjection<TProjection>() where TProjection : class, IProjection
    {
        Services.AddSingleton<IProjection, TProjection>();
        return this;
    }

    /// <summary>Stores events in process memory (for tests and prototypes).</summary>
    public EventStoreBuilder UseInMemory() =>
        UseStore(static services => new InMemoryEventStore(
            services.GetRequiredService<EventStoreOptions>(), services.GetService<TimeProvider>()));

    /// <summary>Registers the <see cref="IEventStore"/> implementation; the last call wins.</summary>
    public EventStoreBuilder UseStore(Func<IServiceProvider, IEventStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.Replace(ServiceDescriptor.Singleton(factory));
        return this;
    }

    internal EventStoreOptions BuildOptions(IServiceProvider services)
    {
        var options = new EventStoreOptions();
        foreach (var configure in _configure)
        {
            configure(options);
        }

        foreach (var upcaster in services.GetServices<EventUpcaster>())
        {
            options.Upcasters.Add(upcaster);
        }

        foreach (var projection in services.GetServices<IProjection>())
        {
            options.Projections.Add(projection);
        }

        options.Validate();
        return options;
    }
}
