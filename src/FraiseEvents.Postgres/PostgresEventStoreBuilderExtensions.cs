using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FraiseEvents.Postgres;

/// <summary>Chooses PostgreSQL as the storage of an <see cref="EventStoreBuilder"/>.</summary>
public static class PostgresEventStoreBuilderExtensions
{
    /// <summary>
    /// Stores events in PostgreSQL. With a connection string the store owns its own connection
    /// pool; without one it uses the <see cref="NpgsqlDataSource"/> registered in the container.
    /// </summary>
    /// <param name="builder">The builder from <c>AddEventStore</c>.</param>
    /// <param name="connectionString">An Npgsql connection string, or null to use a registered <see cref="NpgsqlDataSource"/>.</param>
    /// <param name="configure">Schema and start-up settings.</param>
    public static EventStoreBuilder UsePostgres(this EventStoreBuilder builder, string? connectionString = null,
        Action<PostgresEventStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new PostgresEventStoreOptions();
        configure?.Invoke(options);
        options.Validate();

        // Resolved by AddHealthChecks().AddCheck<PostgresEventStoreHealthCheck>(...); fails only if another store replaced this one.
        builder.Services.TryAddSingleton(services => new PostgresEventStoreHealthCheck(
            services.GetRequiredService<IEventStore>() as PostgresEventStore ?? throw new InvalidOperationException(
                "PostgresEventStoreHealthCheck checks the PostgreSQL store, but the registered IEventStore is another store.")));

        return builder.UseStore(services =>
        {
            options.LoggerFactory ??= services.GetService<ILoggerFactory>();
            options.MeterFactory ??= services.GetService<IMeterFactory>();
            var storeOptions = services.GetRequiredService<EventStoreOptions>();
            if (connectionString is null)
            {
                var dataSource = services.GetService<NpgsqlDataSource>() ?? throw new InvalidOperationException(
                    "UsePostgres() was called without a connection string and no NpgsqlDataSource is registered. "
                    + "Pass a connection string, or register a data source (services.AddNpgsqlDataSource(...)).");
                return new PostgresEventStore(dataSource, storeOptions, options);
            }

            return PostgresEventStore.CreateOwning(connectionString, storeOptions, options);
        });
    }
}
