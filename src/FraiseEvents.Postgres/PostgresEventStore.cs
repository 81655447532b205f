using FraiseEvents.Diagnostics;
using FraiseEvents.Projections;
using FraiseEvents.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FraiseEvents.Postgres;

/// <summary>
/// An <see cref="IEventStore"/> on PostgreSQL 15+. Each append is one round trip and one
/// transaction, whatever the number of events; reads stream rows as they arrive.
/// </summary>
public sealed partial class PostgresEventStore : IEventStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly EventSerializer _serializer;
    private readonly InlineProjections _projections;
    private readonly Dictionary<string, DocumentStatements> _documentSql;
    private readonly PostgresEventStoreOptions _options;
    private readonly SqlStatements _sql;
    private readonly ILogger _logger;
    private readonly StoreTelemetry _telemetry;

    /// <summary>Sends concurrent plain appends together (<see cref="PostgresEventStoreOptions.BatchConcurrentAppends"/>); null when off.</summary>
    private readonly AppendBatcher? _batcher;

    /// <summary>Wake-ups of consumers: this instance's appends, and other processes' through a listener.</summary>
    private readonly LogNotifications _notifications;

    /// <summary>The role the connection string logs in as, named in the fix of a missing privilege; null when it is left to Npgsql's defaults.</summary>
    private readonly string? _role;

    /// <summary>Creates a store over a data source that the caller owns and disposes.</summary>
    /// <param name="dataSource">Where to connect.</param>
    /// <param name="options">Event types and limits; a default set when null.</param>
    /// <param name="postgresOptions">Schema and start-up behaviour; defaults when null.</param>
    public PostgresEventStore(NpgsqlDataSource dataSource, EventStoreOptions? options = null, PostgresEventStoreOptions? postgresOptions = null)
        : this(dataSource, ownsDataSource: false, options, postgresOptions)
    {
    }

    private PostgresEventStore(NpgsqlDataSource dataSource, bool ownsDataSource, EventStoreOptions? options, PostgresEventStoreOptions? postgresOptions)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _options = postgresOptions ?? new PostgresEventStoreOptions();
        _options.Validate();
        _dataSource = dataSource;
        _role = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Username;
        _ownsDataSource = ownsDataSource;
        options ??= new EventStoreOptions();
        _serializer = new EventSerializer(options);
        _projections = InlineProjections.Create(options.Projections, _serializer.Registry, _serializer.JsonOptions);
        _sql = new SqlStatements(_options.Schema);
        _documentSql = _projections.Documents.ToDictionary(p => p.Name, p => new DocumentStatements(_options.Schema, p.Name));
        _logger = _options.LoggerFactory?.CreateLogger<PostgresEventStore>() ?? NullLogger<PostgresEventStore>.Instance;
        _telemetry = CreateTelemetry(dataSource, _options);
        Migrations = new PostgresMigrations(dataSource, _options.Schema, _telemetry);
        _notifications = new LogNotifications(dataSource, _sql, _options, _logger);
        _batcher = _options.BatchConcurrentAppends
            ? new AppendBatcher(SendAloneAsync, SendTogetherAsync, MapFailureAfterSending,
                _telemetry.AppendBatchSent, MaxAppendsSentTogether, options.MaxAppendSizeBytes)
            : null;
    }

    /// <summary>The batcher, for tests and benchmarks that watch the batches it forms; null when batching is off.</summary>
    internal AppendBatcher? Batcher => _batcher;

    /// <summary>At most this many appends share a round trip; more wait for the next.</summary>
    private const int MaxAppendsSentTogether = 64;

    /// <summary>Creates a store with its own connection pool, disposed with the store.</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="configure">Registers event types and sets limits.</param>
    /// <param name="configurePostgres">Sets the schema and start-up behaviour.</param>
    public static PostgresEventStore Create(string connectionString, Action<EventStoreOptions>? configure = null,
        Action<PostgresEventStoreOptions>? configurePostgres = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var options = new EventStoreOptions();
        configure?.Invoke(options);
        var postgresOptions = new PostgresEventStoreOptions();
        configurePostgres?.Invoke(postgresOptions);
        return CreateOwning(connectionString, options, postgresOptions);
    }

    internal static PostgresEventStore CreateOwning(string connectionString, EventStoreOptions options, PostgresEventStoreOptions postgresOptions)
    {
        var dataSource = new NpgsqlDataSourceBuilder(connectionString).UseLoggerFactory(postgresOptions.LoggerFactory).Build();
        return new PostgresEventStore(dataSource, ownsDataSource: true, options, postgresOptions);
    }

    /// <summary>The schema migrations of this store: apply them, or see which are applied.</summary>
    public PostgresMigrations Migrations { get; }

    /// <summary>The schema the store lives in.</summary>
    public string Schema => _options.Schema;

    /// <inheritdoc />
    public async Task<StreamState?> GetStreamStateAsync(StreamId streamId, CancellationToken cancellationToken = default)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            using var command = new NpgsqlCommand(_sql.StreamState, connection);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            return ReadStreamState(streamId, reader);
        }
        catch (Exception ex) when (PostgresErrorMapper.MapReadFailure(ex, Schema, $"reading the state of stream {streamId}", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }

    /// <summary>A row of <see cref="SqlStatements.StreamState"/>.</summary>
    private static StreamState ReadStreamState(StreamId streamId, NpgsqlDataReader reader) =>
        new(streamId, new StreamVersion(reader.GetInt32(0)), reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3));

    /// <summary>
    /// Closes the notification listener's connection, then disposes the connection pool when the
    /// store created it, and the store's meter when it is not the application's.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _notifications.StopAsync().ConfigureAwait(false);
        _telemetry.Dispose();
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }
}
