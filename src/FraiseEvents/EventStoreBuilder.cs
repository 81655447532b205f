using FraiseEvents.InMemory;
using FraiseEvents.Projections;
using FraiseEvents.Subscriptions;
using FraiseEvents.Upcasting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraiseEvents;

/// <summary>
/// Returned by <see cref="FraiseEventsServiceCollectionExtensions.AddEventStore"/>: choose where
/// events are stored (<c>UsePostgres</c>, <see cref="UseInMemory"/>) and add settings.
/// </summary>
public sealed class EventStoreBuilder
{
    private readonly List<Action<EventStoreOptions>> _configure = [];
    private readonly List<Action<ProjectionDaemonOptions>> _configureDaemon = [];

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

    /// <summary>
    /// Adds a <see cref="Subscription"/> that the generic host starts and stops (an
    /// <see cref="IHostedService"/>), with a handler resolved from the container (a singleton, so it
    /// can take dependencies). The subscription itself is a keyed singleton: ask for its status with
    /// <c>services.GetRequiredKeyedService&lt;Subscription&gt;(name)</c>. The container's
    /// <see cref="ILoggerFactory"/> and <see cref="TimeProvider"/> are used unless the options set others.
    /// </summary>
    /// <param name="name">The subscription's name, which is also its checkpoint's: 1 to 200 characters, once per container.</param>
    /// <param name="configure">Start position, filters, checkpoint cadence, polling and retries.</param>
    /// <exception cref="ArgumentException">The name is not valid or already used, or an option is out of range.</exception>
    public EventStoreBuilder AddSubscription<THandler>(string name, Action<SubscriptionOptions>? configure = null)
        where THandler : class, ISubscriptionHandler
    {
        ConsumerNames.Validate(name, nameof(name));
        if (Services.Any(d => d.ServiceType == typeof(Subscription) && d.IsKeyedService && Equals(d.ServiceKey, name)))
        {
            throw new ArgumentException($"A subscription named '{name}' is already registered; names are checkpoints and must be unique.", nameof(name));
        }

        var options = new SubscriptionOptions();
        configure?.Invoke(options);
        options.Validate();
        Services.TryAddSingleton<THandler>();
        Services.AddKeyedSingleton(name, (services, _) =>
        {
            var resolved = options.Clone();
            resolved.LoggerFactory ??= services.GetService<ILoggerFactory>();
            resolved.TimeProvider ??= services.GetService<TimeProvider>();
            var handler = services.GetRequiredService<THandler>();
            return new Subscription(name, services.GetRequiredService<IEventStore>(), handler.HandleAsync, resolved);
        });
        Services.AddSingleton<IHostedService>(services => services.GetRequiredKeyedService<Subscription>(name));
        return this;
    }

    /// <summary>
    /// Adds settings of the <see cref="ProjectionDaemon"/> that runs the store's async projections
    /// (registered, and started by the host, whenever the store has any). Every action runs, in order,
    /// when the daemon is first needed; the container's <see cref="ILoggerFactory"/> and
    /// <see cref="TimeProvider"/> are used unless the options set others.
    /// </summary>
    public EventStoreBuilder ConfigureProjectionDaemon(Action<ProjectionDaemonOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configureDaemon.Add(configure);
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

    internal ProjectionDaemon BuildProjectionDaemon(IServiceProvider services)
    {
        var options = new ProjectionDaemonOptions();
        foreach (var configure in _configureDaemon)
        {
            configure(options);
        }

        options.LoggerFactory ??= services.GetService<ILoggerFactory>();
        options.TimeProvider ??= services.GetService<TimeProvider>();
        return new ProjectionDaemon(services.GetRequiredService<IEventStore>(), options);
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
