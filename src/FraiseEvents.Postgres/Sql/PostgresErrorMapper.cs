using Npgsql;

namespace FraiseEvents.Postgres;

/// <summary>Turns Npgsql failures into typed FraiseEvents exceptions, by SQLSTATE, never by message text.</summary>
internal static class PostgresErrorMapper
{
    // Not in PostgresErrorCodes, whose every code maps to a typed exception: a check_violation maps
    // only when one of the store's own CHECK constraints (0006, named ck_tb_…) raised it.
    private const string CheckViolation = "23514";
    private const string StoreCheckPrefix = "ck_tb_";

    /// <summary>
    /// Maps a failed append; returns null when the exception should propagate unchanged.
    /// <c>sent</c> says whether the append had reached the server: then a broken connection
    /// leaves its outcome unknown.
    /// </summary>
    public static Exception? MapAppendFailure(Exception exception, string schema, StreamId streamId, ExpectedVersion expectedVersion,
        IReadOnlyList<Guid> eventIds, bool sent, string? role = null)
    {
        if (exception is PostgresException postgres && !IsConnectionLoss(postgres))
        {
            return postgres.SqlState switch
            {
                PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected => new ConcurrencyException(streamId,
                    $"Append to stream {streamId} lost a race with a concurrent transaction (SQLSTATE {postgres.SqlState}); nothing was written. "
                    + "Reload the stream and retry. This happens when appending inside a REPEATABLE READ or SERIALIZABLE transaction.", postgres),
                PostgresErrorCodes.UniqueViolation when postgres.ConstraintName == PostgresErrorCodes.EventIdConstraint =>
                    new IdempotencyConflictException(streamId, eventIds, postgres),
                PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.WrongExpectedVersion =>
                    new WrongExpectedVersionException(streamId, expectedVersion, actualVersion: null, postgres),
                PostgresErrorCodes.EventIdConflict => new IdempotencyConflictException(streamId, eventIds, postgres),
                PostgresErrorCodes.InvalidTextRepresentation or PostgresErrorCodes.UntranslatableCharacter => new EventSerializationException(
                    $"PostgreSQL rejected the JSON of the append to stream {streamId} (SQLSTATE {postgres.SqlState}: {postgres.MessageText}). Nothing was written. "
                    + "Check the events for characters jsonb cannot store, such as U+0000.", streamId, eventType: null, postgres),
                // The library appends through try_append_events, which reports a type mismatch as a
                // status; the raising form is for SQL callers, mapped here so no path leaks it raw.
                PostgresErrorCodes.StreamTypeMismatch => new StreamTypeMismatchException(streamId, expectedType: "", actualType: null),
                // The C# checks run first; the store's own CHECK constraints (0006: the empty uuid,
                // untrimmed type names) answer only what got past them. A check_violation from
                // anything else (a trigger of the user's) is not the library's to interpret.
                CheckViolation when postgres.ConstraintName?.StartsWith(StoreCheckPrefix, StringComparison.Ordinal) == true =>
                    new ArgumentException($"The append to stream {streamId} was refused as invalid: {postgres.MessageText}. Nothing was written.", postgres),
                PostgresErrorCodes.StringDataRightTruncation or PostgresErrorCodes.InvalidArgument or PostgresErrorCodes.SnapshotOfMissingVersion =>
                    new ArgumentException($"The append to stream {streamId} was refused as invalid: {postgres.MessageText}. Nothing was written.", postgres),
                // What rides with an append (snapshots, projections) checks that the same transaction
                // stored the events; the library reads the refusal from the status row, so this only
                // surfaces if the two disagree. Either way the whole transaction was rolled back.
                PostgresErrorCodes.AppendNotWritten => new ConcurrencyException(streamId,
                    $"The append to stream {streamId} was rolled back with everything that rode with it (SQLSTATE {postgres.SqlState}): "
                    + "this transaction did not store its events. Nothing was written. Reload the stream and retry.", postgres),
                PostgresErrorCodes.DocumentChanged => new ConcurrencyException(streamId,
                    $"A projection document written by the append to stream {streamId} was changed by a concurrent transaction "
                    + $"(SQLSTATE {postgres.SqlState}); nothing was written. Retry the append.", postgres),
                _ => MapCommon(postgres, schema, role),
            };
        }

        return MapConnectionFailure(exception, sent
            ? $"The connection failed while appending to stream {streamId}; the append may or may not have committed. "
              + "Retry it with the same event ids and expected version: if it had committed, the retry succeeds without writing twice."
            : $"Could not reach PostgreSQL to append to stream {streamId}; nothing was written. Check the server and the connection string, then retry.",
            outcomeUnknown: sent);
    }

    /// <summary>
    /// Maps a failed read or other non-append operation; returns null to propagate unchanged.
    /// <c>role</c> is the role the store logs in as, when the connection string names it.
    /// </summary>
    public static Exception? MapReadFailure(Exception exception, string schema, string operation, string? role = null) =>
        exception is PostgresException postgres && !IsConnectionLoss(postgres)
            ? MapCommon(postgres, schema, role)
            : MapConnectionFailure(exception,
                $"The connection to PostgreSQL failed while {operation}. Check the server and the connection string, then retry.",
                outcomeUnknown: false);

    /// <summary>
    /// Class 08 (connection exception) and 57 (operator intervention: the backend was terminated,
    /// the server is shutting down) mean the session is gone, not that the request was wrong.
    /// </summary>
    internal static bool IsConnectionLoss(PostgresException postgres) =>
        postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || postgres.SqlState.StartsWith("57", StringComparison.Ordinal);

    private static Exception? MapCommon(PostgresException postgres, string schema, string? role) => postgres.SqlState switch
    {
        PostgresErrorCodes.InsufficientPrivilege => MissingPrivilege(postgres, schema, role),
        PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification or PostgresErrorCodes.InvalidCatalogName =>
            MapLoginFailure(postgres),
        PostgresErrorCodes.EventLogIsAppendOnly => new EventStoreConfigurationException(
            $"Schema '{schema}' refused a change to stored events or streams (SQLSTATE {postgres.SqlState}: {postgres.MessageText}): the event log is append-only. "
            + "The library never updates or deletes events, nor deletes streams; look for a trigger, rule or function of your own, "
            + "or of another library version, that writes to tb_events or tb_streams.", postgres),
        PostgresErrorCodes.ProjectionShapeChanged => new EventStoreConfigurationException(
            $"{postgres.MessageText} (SQLSTATE {postgres.SqlState}). {postgres.Hint}", postgres),
        // The daemon reads FE010 as "fenced" itself; this reaches only a caller of fe_advance_projection
        // outside the daemon, which is running a projection beside it.
        PostgresErrorCodes.ProjectionCheckpointMoved => new EventStoreConfigurationException(
            $"{postgres.MessageText} (SQLSTATE {postgres.SqlState}). {postgres.Hint} Let one ProjectionDaemon run each projection.", postgres),
        PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedFunction or PostgresErrorCodes.InvalidSchemaName =>
            new EventStoreConfigurationException(
                $"The FraiseEvents schema is missing or incomplete in schema '{schema}' (SQLSTATE {postgres.SqlState}: {postgres.MessageText}). "
                + "Apply the migrations: await store.Migrations.ApplyAsync(), or run the files in migrations/ with psql, "
                + "or set PostgresEventStoreOptions.ApplyMigrationsOnStartup.", postgres),
        _ => null,
    };

    /// <summary>
    /// SQLSTATE 42501. The server's message (shown, never parsed) names the object; the fix is the
    /// owner's: the grant functions of migration 0005 give a role exactly what the library needs.
    /// </summary>
    public static EventStoreConfigurationException MissingPrivilege(PostgresException postgres, string schema, string? role)
    {
        var quotedSchema = StoreSchema.Quote(schema);
        var roleLiteral = role is null ? "<the role in your connection string>" : "'" + role.Replace("'", "''", StringComparison.Ordinal) + "'";
        var on = postgres.TableName is { } table ? $" on {postgres.SchemaName ?? schema}.{table}" : "";
        return new EventStoreConfigurationException(
            $"The database role{(role is null ? "" : $" '{role}'")} lacks a privilege{on} that the store in schema '{schema}' needs "
            + $"(SQLSTATE {postgres.SqlState}: {postgres.MessageText}). The application's role needs EXECUTE on the store's functions and "
            + $"SELECT on its tables, and nothing more: as the store's owner, run SELECT {quotedSchema}.fe_grant_application_role({roleLiteral}); "
            + $"(or {quotedSchema}.fe_grant_reader_role for a role that only reads). Applying migrations, bulk imports and "
            + "rebase_transaction_ids() write the tables themselves: run them as the owner.", postgres);
    }

    /// <summary>
    /// The server answered but refused the login. Class 28 and 3D000 are not a lost connection:
    /// retrying cannot help, so they are not <see cref="EventStoreUnavailableException"/>.
    /// </summary>
    public static EventStoreConnectionException? MapLoginFailure(Exception exception) => exception is PostgresException postgres
        ? postgres.SqlState switch
        {
            PostgresErrorCodes.InvalidPassword => new EventStoreConnectionException(
                $"PostgreSQL refused the password (SQLSTATE {postgres.SqlState}: {postgres.MessageText}). Nothing was sent. "
                + "Check Username and Password in the connection string against the role's password on the server.", postgres),
            PostgresErrorCodes.InvalidAuthorizationSpecification => new EventStoreConnectionException(
                $"PostgreSQL refused the login (SQLSTATE {postgres.SqlState}: {postgres.MessageText}). Nothing was sent. "
                + "Check Username in the connection string, that the role exists and may log in (LOGIN), "
                + "and that the server's pg_hba.conf lets it connect from this host to this database.", postgres),
            PostgresErrorCodes.InvalidCatalogName => new EventStoreConnectionException(
                $"The database to connect to does not exist (SQLSTATE {postgres.SqlState}: {postgres.MessageText}). Nothing was sent. "
                + "Check Database in the connection string, or create the database: the store creates its schema and tables, not the database.",
                postgres),
            _ => null,
        }
        : null;

    private static EventStoreUnavailableException? MapConnectionFailure(Exception exception, string message, bool outcomeUnknown) =>
        exception switch
        {
            NpgsqlException or TimeoutException or IOException or System.Net.Sockets.SocketException =>
                new EventStoreUnavailableException(message, outcomeUnknown, exception),
            _ => null,
        };
}
