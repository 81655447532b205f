using Microsoft.Extensions.Logging;

namespace FraiseEvents.Subscriptions;

/// <summary>What subscriptions log, with stable event ids (3001-3099). No event payload is logged.</summary>
internal static partial class SubscriptionLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Subscription {Subscription} started after log position {Position}")]
    public static partial void Started(this ILogger logger, string subscription, LogPosition position);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Subscription {Subscription} stopped; checkpoint {Checkpoint}")]
    public static partial void Stopped(this ILogger logger, string subscription, LogPosition checkpoint);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning,
        Message = "Subscription {Subscription}: attempt {Attempt} failed on event {EventId} at log position {Position}; retrying in {Delay}")]
    public static partial void HandlerRetry(this ILogger logger, string subscription, int attempt, Guid eventId, LogPosition position, TimeSpan delay,
        Exception exception);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Subscription {Subscription}: attempt {Attempt} to read or store its checkpoint failed; retrying in {Delay}")]
    public static partial void StoreRetry(this ILogger logger, string subscription, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "{Fault}")]
    public static partial void Faulted(this ILogger logger, SubscriptionFault fault, Exception exception);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning,
        Message = "Subscription {Subscription} was stopped without waiting (its stop was cancelled): it resumes after checkpoint {Checkpoint}")]
    public static partial void Abandoned(this ILogger logger, string subscription, LogPosition checkpoint);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning,
        Message = "Subscription {Subscription} has waited {Waited} at the end of the log it can see while committed events wait beyond it: "
                  + "transaction {TransactionId} of process {ProcessId} ({ApplicationName}, {State}, open for {TransactionAge}) holds them back; "
                  + "end or commit that transaction")]
    public static partial void HeldUp(this ILogger logger, string subscription, TimeSpan waited, long transactionId, int? processId,
        string? applicationName, string? state, TimeSpan? transactionAge);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning,
        Message = "Subscription {Subscription} could not read how far behind it is; delivery goes on, its status shows the last figures read")]
    public static partial void LagReadFailed(this ILogger logger, string subscription, Exception exception);
}
