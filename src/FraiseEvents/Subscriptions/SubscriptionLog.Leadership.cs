using Microsoft.Extensions.Logging;

namespace FraiseEvents.Subscriptions;

/// <summary>What subscriptions log about their lock (3020-3029).</summary>
internal static partial class SubscriptionLog
{
    [LoggerMessage(EventId = 3020, Level = LogLevel.Information,
        Message = "Subscription {Subscription}: another instance holds its lock; this one stands by and takes over when that one stops or its session ends")]
    public static partial void StandingBy(this ILogger logger, string subscription);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Information, Message = "Subscription {Subscription}: this instance took its lock and runs it from checkpoint {Checkpoint}")]
    public static partial void TookOver(this ILogger logger, string subscription, LogPosition checkpoint);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Warning,
        Message = "Subscription {Subscription}: this instance lost its lock (its session ended); delivery stopped at once and it stands by")]
    public static partial void LeaseLost(this ILogger logger, string subscription);

    [LoggerMessage(EventId = 3023, Level = LogLevel.Warning, Message = "Subscription {Subscription}: taking, checking or releasing its lock failed; trying again later")]
    public static partial void LeaseFailed(this ILogger logger, string subscription, Exception exception);
}
