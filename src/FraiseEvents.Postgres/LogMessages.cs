using Microsoft.Extensions.Logging;
using Npgsql;

namespace FraiseEvents.Postgres;

/// <summary>
/// Every message the PostgreSQL store logs, with stable event ids: 1xxx start-up and migrations,
/// 2xxx appends, 3xxx reads and other operations, 4xxx projections. No event data, and no stream
/// id, is ever logged (exception messages name stream ids, so failures log the exception's type and
/// SQLSTATE). Conflicts the caller resolves (a wrong expected version, reused event ids, another
/// stream type) are answers rather than faults: they are counted by the metrics, not logged.
/// </summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Applied FraiseEvents migration {Migration} to schema {Schema}")]
    public static partial void MigrationApplied(this ILogger logger, string migration, string schema);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "Schema {Schema} was created on cluster {RecordedSystemId} timeline {RecordedTimeline} and now runs on cluster {SystemId} timeline {Timeline}: a restore or failover happened. Transaction ids are consistent, so the store continues; check that no acknowledged events were lost.")]
    public static partial void OriginChanged(this ILogger logger, string schema, long recordedSystemId, int recordedTimeline, long systemId, int timeline);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning,
        Message = "The server runs with fsync={Fsync} and synchronous_commit={SynchronousCommit}: a crash can lose acknowledged appends. Running anyway because AllowUnsafeDurabilitySettings is set.")]
    public static partial void UnsafeDurabilityAllowed(this ILogger logger, string fsync, string synchronousCommit);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error,
        Message = "The store in schema {Schema} refuses to start: the server runs with fsync={Fsync} and synchronous_commit={SynchronousCommit}, so a crash would lose acknowledged appends. Turn both on, or set AllowUnsafeDurabilitySettings for throwaway data.")]
    public static partial void UnsafeDurabilityRefused(this ILogger logger, string schema, string fsync, string synchronousCommit);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error,
        Message = "The store in schema {Schema} refuses to start: the cluster's next transaction id {NextTransactionId} is behind the newest stored event's {StoredTransactionId}, as after a restore into another cluster. Stop writers and consumers, then run rebase_transaction_ids() once.")]
    public static partial void TransactionIdsBehind(this ILogger logger, string schema, long nextTransactionId, long? storedTransactionId);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error,
        Message = "The store in schema {Schema} refuses to start: the schema is at FraiseEvents migration {Version} and this library needs {RequiredVersion}. Apply the pending migrations.")]
    public static partial void SchemaBehind(this ILogger logger, string schema, int version, int requiredVersion);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error,
        Message = "The store in schema {Schema} refuses to start: a projection's table was created with another shape ({Reason}).")]
    public static partial void ProjectionShapeChanged(this ILogger logger, string schema, string reason);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information,
        Message = "Created the author index idx_events_by_author in schema {Schema} (IndexEventsByAuthor is set)")]
    public static partial void AuthorIndexCreated(this ILogger logger, string schema);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
        Message = "The connection failed after an append to schema {Schema} was sent: it may or may not have committed. Retrying it with the same event ids settles it without writing twice.")]
    public static partial void AppendOutcomeUnknown(this ILogger logger, string schema, Exception? exception);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning,
        Message = "An append to schema {Schema} lost a race with a concurrent transaction (SQLSTATE {SqlState}); nothing was written. This happens when appending inside a REPEATABLE READ or SERIALIZABLE transaction.")]
    public static partial void AppendLostRace(this ILogger logger, string schema, string sqlState);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning,
        Message = "The connection failed while a bulk import into schema {Schema} was committing: it may or may not have committed.")]
    public static partial void BulkImportOutcomeUnknown(this ILogger logger, string schema, Exception? exception);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Error,
        Message = "The connection to PostgreSQL failed during an operation on schema {Schema}.")]
    public static partial void StoreUnavailable(this ILogger logger, string schema, Exception? exception);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error,
        Message = "The FraiseEvents schema {Schema} is missing or incomplete (SQLSTATE {SqlState}): apply the migrations.")]
    public static partial void SchemaMissing(this ILogger logger, string schema, string? sqlState);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Debug,
        Message = "{Appends} appends to schema {Schema} sent together failed as a whole (SQLSTATE {SqlState}); each is sent again on its own.")]
    public static partial void AppendBatchFailed(this ILogger logger, string schema, int appends, string sqlState);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug,
        Message = "An append to schema {Schema} is recomputed (attempt {Attempt} of {MaxAttempts}): another transaction changed the projection documents it writes.")]
    public static partial void ProjectionDocumentsChanged(this ILogger logger, string schema, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning,
        Message = "An append to schema {Schema} gave up after {Attempts} attempts: other transactions kept changing the projection documents it writes. Nothing was written.")]
    public static partial void ProjectionDocumentsKeptChanging(this ILogger logger, string schema, int attempts);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error,
        Message = "Projection {Projection} failed on an event of type {EventType} in schema {Schema} (SQLSTATE {SqlState}); the append wrote nothing.")]
    public static partial void ProjectionFailed(this ILogger logger, string projection, string eventType, string schema, string? sqlState);

    /// <summary>
    /// Logs a failure that <see cref="PostgresErrorMapper"/> turned into a typed exception, at the
    /// level its kind deserves, and returns it to be thrown.
    /// </summary>
    public static Exception Logged(this ILogger logger, string schema, Exception mapped)
    {
        switch (mapped)
        {
            case EventStoreUnavailableException { OutcomeUnknown: true }:
                logger.AppendOutcomeUnknown(schema, mapped.InnerException);
                break;
            case EventStoreUnavailableException:
                logger.StoreUnavailable(schema, mapped.InnerException);
                break;
            case EventStoreConfigurationException { InnerException: PostgresException postgres }:
                logger.SchemaMissing(schema, postgres.SqlState);
                break;
            case ConcurrencyException { InnerException: PostgresException postgres }
                when postgres.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected:
                logger.AppendLostRace(schema, postgres.SqlState);
                break;
        }

        return mapped;
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning,
        Message = "Could not announce appends to schema {Schema} to other processes; their subscriptions find the events at their next poll")]
    public static partial void NotifyFailed(this ILogger logger, string schema, Exception exception);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning,
        Message = "The notification listener of schema {Schema} lost its connection or could not listen; it tries again in {Delay}, and subscriptions poll meanwhile")]
    public static partial void ListenerLost(this ILogger logger, string schema, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Debug, Message = "The notification listener of schema {Schema} listens (server process {ProcessId})")]
    public static partial void ListenerListening(this ILogger logger, string schema, int processId);
}
