using Npgsql;

namespace FraiseEvents.Postgres;

public sealed partial class PostgresEventStore
{
    private readonly Lock _initializationLock = new();
    private Task? _initialization;

    /// <summary>
    /// Prepares the store: applies migrations (when <see cref="PostgresEventStoreOptions.ApplyMigrationsOnStartup"/>
    /// is set) or checks that the schema is current, then runs the start-up guards. Runs once; every
    /// operation calls it, so calling it yourself only moves the work (and its errors) to start-up.
    /// </summary>
    /// <exception cref="EventStoreConfigurationException">The schema is not current, or the server could lose events.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => EnsureInitializedAsync(cancellationToken).AsTask();

    private ValueTask EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        var initialization = Volatile.Read(ref _initialization);
        return initialization is { IsCompletedSuccessfully: true }
            ? ValueTask.CompletedTask
            : new ValueTask(WaitForInitializationAsync(cancellationToken));
    }

    private Task WaitForInitializationAsync(CancellationToken cancellationToken)
    {
        Task initialization;
        lock (_initializationLock)
        {
            // A failed initialization is tried again by the next operation (the server may be back).
            if (_initialization is null || _initialization.IsFaulted || _initialization.IsCanceled)
            {
                _initialization = InitializeCoreAsync();
            }

            initialization = _initialization;
        }

        return initialization.WaitAsync(cancellationToken);
    }

    private async Task InitializeCoreAsync()
    {
        // Shared by every caller, so no caller's token cancels it.
        var cancellationToken = CancellationToken.None;
        try
        {
            if (_options.ApplyMigrationsOnStartup)
            {
                foreach (var migration in await Migrations.ApplyAsync(cancellationToken).ConfigureAwait(false))
                {
                    _logger.MigrationApplied(migration.Name, Schema);
                }
            }

            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            if (!_options.ApplyMigrationsOnStartup)
            {
                await CheckSchemaVersionAsync(connection, cancellationToken).ConfigureAwait(false);
            }

            await RunGuardsAsync(connection, cancellationToken).ConfigureAwait(false);
            if (_options.IndexEventsByAuthor)
            {
                await EnsureAuthorIndexAsync(connection, cancellationToken).ConfigureAwait(false);
            }

            await EnsureProjectionsAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrorMapper.MapReadFailure(ex, Schema, "initializing the event store", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }

    private async Task EnsureAuthorIndexAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(_sql.IndexEventsByAuthor, connection);
        // Building the index can take minutes on a large log: no command timeout cuts it short.
        command.CommandTimeout = 0;
        try
        {
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!) // the function returns true or false
            {
                _logger.AuthorIndexCreated(Schema);
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new EventStoreConfigurationException(
                $"PostgresEventStoreOptions.IndexEventsByAuthor is set, but schema '{Schema}' has no author index and this role may not create it. "
                + $"Run SELECT {StoreSchema.Quote(Schema)}.fe_index_events_by_author(); once as the store's owner (or create it with "
                + "CREATE INDEX CONCURRENTLY, see docs/time-travel-and-audit.md), or turn the option off.", ex);
        }
    }

    private async Task CheckSchemaVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(_sql.SchemaVersion, connection);
        var version = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!; // coalesce() is never null
        if (version < MigrationScripts.LatestVersion)
        {
            _logger.SchemaBehind(Schema, version, MigrationScripts.LatestVersion);
            throw new EventStoreConfigurationException(
                $"Schema '{Schema}' is at FraiseEvents migration {version}, but this library needs {MigrationScripts.LatestVersion}. "
                + "Apply the pending migrations (await store.Migrations.ApplyAsync(), or the files in migrations/ with psql), "
                + "or set PostgresEventStoreOptions.ApplyMigrationsOnStartup.");
        }
    }

    private async Task RunGuardsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        bool originChanged;
        using (var command = new NpgsqlCommand(_sql.VerifyStore, connection))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var nextTxId = reader.GetInt64(0);
            long? maxTxId = reader.IsDBNull(1) ? null : reader.GetInt64(1);
            var txIdsOk = reader.GetBoolean(2);
            var fsync = reader.GetString(3);
            var synchronousCommit = reader.GetString(4);
            var recordedSystemId = reader.GetInt64(5);
            var systemId = reader.GetInt64(6);
            var recordedTimeline = reader.GetInt32(7);
            var timeline = reader.GetInt32(8);

            if (fsync == "off" || synchronousCommit == "off")
            {
                if (!_options.AllowUnsafeDurabilitySettings)
                {
                    _logger.UnsafeDurabilityRefused(Schema, fsync, synchronousCommit);
                    throw new EventStoreConfigurationException(
                        $"The PostgreSQL server runs with fsync={fsync} and synchronous_commit={synchronousCommit}: a crash would lose appends "
                        + "that were already acknowledged. Turn both on, or set PostgresEventStoreOptions.AllowUnsafeDurabilitySettings "
                        + "for throwaway data.");
                }

                _logger.UnsafeDurabilityAllowed(fsync, synchronousCommit);
            }

            if (!txIdsOk)
            {
                _logger.TransactionIdsBehind(Schema, nextTxId, maxTxId);
                throw new EventStoreConfigurationException(
                    $"The cluster's transaction counter (next id {nextTxId}) is behind the newest stored event's transaction id ({maxTxId}) in schema '{Schema}'. "
                    + "This database was restored or copied into another cluster: new events would sort before consumers' checkpoints and be skipped. "
                    + $"Stop every writer and consumer, then run SELECT {StoreSchema.Quote(Schema)}.rebase_transaction_ids(); once, as the store's owner.");
            }

            originChanged = systemId != recordedSystemId || timeline != recordedTimeline;
            if (originChanged)
            {
                _logger.OriginChanged(Schema, recordedSystemId, recordedTimeline, systemId, timeline);
            }
        }

        if (originChanged)
        {
            using var acknowledge = new NpgsqlCommand(_sql.AcknowledgeOrigin, connection);
            await acknowledge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
