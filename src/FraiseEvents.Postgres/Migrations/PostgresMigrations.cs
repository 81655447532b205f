using FraiseEvents.Diagnostics;
using Npgsql;

namespace FraiseEvents.Postgres;

/// <summary>
/// Applies the files of <c>migrations/</c> to the store's schema, each at most once, recorded in
/// <c>tb_schema_migrations</c>. Safe to call from many processes at once: a transaction-scoped
/// advisory lock lets one apply them while the others wait and then find nothing to do.
/// </summary>
public sealed class PostgresMigrations
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly string _quotedSchema;
    private readonly StoreTelemetry _telemetry;

    internal PostgresMigrations(NpgsqlDataSource dataSource, string schema, StoreTelemetry telemetry)
    {
        _dataSource = dataSource;
        _telemetry = telemetry;
        _schema = schema;
        _quotedSchema = StoreSchema.Quote(schema);
    }

    /// <summary>Every migration this version of the library knows, in order.</summary>
    public IReadOnlyList<Migration> All => MigrationScripts.All;

    /// <summary>
    /// The SQL of every migration this version of the library knows, for a deployment step that
    /// applies the schema itself (<c>psql -v ON_ERROR_STOP=1 -f</c>, or any SQL client). Every file
    /// is idempotent, so the script can run against a database at any earlier version.
    /// </summary>
    /// <param name="schema">The schema the store lives in (<see cref="PostgresEventStoreOptions.Schema"/>); the default is <c>public</c>.</param>
    /// <returns>
    /// One transaction that takes the advisory lock <see cref="ApplyAsync"/> takes, creates the
    /// schema when it is missing, sets the search path to it, and runs the files unchanged, in order.
    /// </returns>
    /// <exception cref="ArgumentException"><paramref name="schema"/> is not a valid schema name.</exception>
    public static string GetScript(string schema = "public") => MigrationScriptWriter.Write(schema, MigrationScripts.All);

    /// <summary>
    /// The SQL of the migrations this store's schema does not have yet, as <see cref="GetScript"/>
    /// writes it, to review or to apply from a deployment step instead of <see cref="ApplyAsync"/>.
    /// </summary>
    /// <returns>The script; empty when the schema is up to date.</returns>
    public async Task<string> GetPendingScriptAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var applied = await ReadAppliedAsync(connection, transaction: null, cancellationToken).ConfigureAwait(false);
        return MigrationScriptWriter.Write(_schema, [.. MigrationScripts.All.Where(m => !applied.Contains(m.Version))]);
    }

    /// <summary>The advisory lock's key: migrations of one schema are applied one process at a time.</summary>
    internal static string LockKey(string schema) => "fraiseevents:migrations:" + schema;

    /// <summary>Applies the pending migrations in one transaction.</summary>
    /// <returns>The migrations this call applied; empty when the schema was already up to date.</returns>
    public Task<IReadOnlyList<Migration>> ApplyAsync(CancellationToken cancellationToken = default) =>
        StoreTelemetry.Tracing ? ObservedApplyAsync(cancellationToken) : ApplyCoreAsync(cancellationToken);

    private async Task<IReadOnlyList<Migration>> ObservedApplyAsync(CancellationToken cancellationToken)
    {
        using var activity = _telemetry.StartActivity(TelemetryOperations.Migrate, streamId: null);
        try
        {
            return await ApplyCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            StoreTelemetry.Failed(activity, ex);
            throw;
        }
    }

    private async Task<IReadOnlyList<Migration>> ApplyCoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ApplyPendingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // Typically the application's role starting with ApplyMigrationsOnStartup while a migration is pending.
            throw new EventStoreConfigurationException(
                $"Applying the FraiseEvents migrations to schema '{_schema}' was refused (SQLSTATE {ex.SqlState}: {ex.MessageText}). "
                + "Migrations create and replace tables and functions: apply them as the role that owns the schema and its objects "
                + "(await store.Migrations.ApplyAsync() from a deployment step connected as the owner, or the files in migrations/ with psql), "
                + "and set PostgresEventStoreOptions.ApplyMigrationsOnStartup = false for the application's role.", ex);
        }
    }

    private async Task<IReadOnlyList<Migration>> ApplyPendingAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionDisposal = transaction.ConfigureAwait(false);

        using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = LockKey(_schema) });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // CREATE SCHEMA checks the database privilege even when the schema exists, so only ask when it is missing.
        if (!await SchemaExistsAsync(connection, transaction, cancellationToken).ConfigureAwait(false))
        {
            await ExecuteAsync(connection, transaction, $"CREATE SCHEMA IF NOT EXISTS {_quotedSchema}", cancellationToken).ConfigureAwait(false);
        }

        // The files name no schema: search_path places them, and their functions capture it (SET search_path FROM CURRENT).
        await ExecuteAsync(connection, transaction, $"SET LOCAL search_path TO {_quotedSchema}", cancellationToken).ConfigureAwait(false);
        var applied = await ReadAppliedAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var appliedNow = new List<Migration>();
        foreach (var migration in MigrationScripts.All)
        {
            if (applied.Contains(migration.Version))
            {
                continue;
            }

            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken).ConfigureAwait(false);
            appliedNow.Add(migration);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return appliedNow;
    }

    /// <summary>The versions recorded as applied in the store's schema (empty when none).</summary>
    public async Task<IReadOnlyList<int>> GetAppliedVersionsAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        var applied = await ReadAppliedAsync(connection, transaction: null, cancellationToken).ConfigureAwait(false);
        return [.. applied.Order()];
    }

    // Called from a deployment step as often as through the store, so a refused login is as
    // actionable here as there.
    private async Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (PostgresErrorMapper.MapLoginFailure(ex) is { } mapped)
        {
            throw mapped;
        }
    }

    private async Task<bool> SchemaExistsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _schema });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!; // EXISTS is never null
    }

    private async Task<HashSet<int>> ReadAppliedAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var applied = new HashSet<int>();
        using var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection, transaction);
        exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _quotedSchema + ".tb_schema_migrations" });
        if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!) // IS NOT NULL is never null
        {
            return applied;
        }

        using var command = new NpgsqlCommand($"SELECT version FROM {_quotedSchema}.tb_schema_migrations", connection, transaction);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            applied.Add(reader.GetInt32(0));
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
