using Microsoft.Extensions.Logging;

namespace FraiseEvents.Projections;

/// <summary>What the projection daemon logs, with stable event ids (5001-5099). No event payload is logged.</summary>
internal static partial class ProjectionDaemonLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Projection {Projection}: this daemon holds its lock and runs it from log position {Position}")]
    public static partial void Leading(this ILogger logger, string projection, LogPosition position);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Projection {Projection} stopped at log position {Position}")]
    public static partial void ProjectionStopped(this ILogger logger, string projection, LogPosition position);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning,
        Message = "Projection {Projection}: attempt {Attempt} of the batch after log position {Position} failed; retrying in {Delay}")]
    public static partial void BatchRetry(this ILogger logger, string projection, int attempt, LogPosition position, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "{Fault}")]
    public static partial void Faulted(this ILogger logger, ProjectionFault fault, Exception exception);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning,
        Message = "Projection {Projection}: its checkpoint is no longer at {Expected}; another runner moved it. The batch was rolled back; this daemon continues from the checkpoint if it still holds the projection's lock, and gives the projection up otherwise")]
    public static partial void Fenced(this ILogger logger, string projection, LogPosition expected);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Projection {Projection}: this daemon lost its lock (its session ended) and gives the projection up")]
    public static partial void LeaseLost(this ILogger logger, string projection);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "Projection {Projection}: taking or checking its lock failed; trying again later")]
    public static partial void LeaseFailed(this ILogger logger, string projection, Exception exception);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Warning,
        Message = "Projection {Projection} was stopped without waiting (its stop was cancelled): the batch in flight was rolled back; it resumes after {Position}")]
    public static partial void Abandoned(this ILogger logger, string projection, LogPosition position);
}
