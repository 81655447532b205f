using FraiseEvents.Projections;
using FraiseEvents.Subscriptions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FraiseEvents;

/// <summary>Registers <see cref="ProjectionHealthCheck"/> with an <see cref="EventStoreBuilder"/>.</summary>
public static class ProjectionHealthCheckBuilderExtensions
{
    /// <summary>
    /// Registers a <see cref="ProjectionHealthCheck"/> (a singleton) over the container's
    /// <see cref="ProjectionDaemon"/> and every subscription added with
    /// <see cref="EventStoreBuilder.AddSubscription{THandler}"/>. Add it to the application's health
    /// checks with <c>services.AddHealthChecks().AddCheck&lt;ProjectionHealthCheck&gt;("fraiseevents-consumers")</c>,
    /// as for the store's own check. Calling it again only adds <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The store's builder.</param>
    /// <param name="configure">The lag thresholds (see <see cref="ProjectionHealthCheckOptions"/> for the defaults).</param>
    public static EventStoreBuilder AddProjectionHealthCheck(this EventStoreBuilder builder, Action<ProjectionHealthCheckOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // The options are gathered in one instance the container holds, without bringing in Microsoft.Extensions.Options.
        if (builder.Services.FirstOrDefault(d => d.ServiceType == typeof(Configuration))?.ImplementationInstance is not Configuration configuration)
        {
            configuration = new Configuration();
            builder.Services.AddSingleton(configuration);
        }

        if (configure is not null)
        {
            configuration.Actions.Add(configure);
        }

        builder.Services.TryAddSingleton(static services => new ProjectionHealthCheck(
            services.GetService<ProjectionDaemon>(),
            // Subscriptions are keyed singletons by name: AnyKey enumerates every one.
            services.GetKeyedServices<Subscription>(KeyedService.AnyKey),
            services.GetRequiredService<Configuration>().Build()));
        return builder;
    }

    private sealed class Configuration
    {
        public List<Action<ProjectionHealthCheckOptions>> Actions { get; } = [];

        public ProjectionHealthCheckOptions Build()
        {
            var options = new ProjectionHealthCheckOptions();
            foreach (var action in Actions)
            {
                action(options);
            }

            return options;
        }
    }
}
