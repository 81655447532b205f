using Microsoft.Extensions.Logging;

namespace FraiseEvents.Postgres;

/// <summary>Every message the PostgreSQL store logs, with stable event ids. No event data is ever logged.</summary>
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
}
