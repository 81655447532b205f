using Microsoft.Extensions.Logging;

namespace FraiseEvents.Projections;

/// <summary>What a projection rebuild logs, with stable event ids (5090-5099, the end of the daemon's range). No event payload is logged.</summary>
internal static partial class RebuildLog
{
    [LoggerMessage(EventId = 5090, Level = LogLevel.Information, Message = "Projection {Projection}: rebuild started from the start of the log into a shadow read model")]
    public static partial void RebuildStarted(this ILogger logger, string projection);

    [LoggerMessage(EventId = 5091, Level = LogLevel.Information,
        Message = "Projection {Projection}: rebuild at log position {Position}, {Events} events done, {Rate:F0} events/s, about {TimeLeft} left")]
    public static partial void RebuildProgress(this ILogger logger, string projection, LogPosition position, long events, double rate, TimeSpan? timeLeft);

    [LoggerMessage(EventId = 5092, Level = LogLevel.Information,
        Message = "Projection {Projection}: the rebuilt read model is swapped in at log position {Position} ({Events} events in {Elapsed})")]
    public static partial void RebuildSwapped(this ILogger logger, string projection, LogPosition position, long events, TimeSpan elapsed);

    [LoggerMessage(EventId = 5093, Level = LogLevel.Warning, Message = "Projection {Projection}: rebuild cancelled; the live read model is unchanged")]
    public static partial void RebuildCancelled(this ILogger logger, string projection);

    [LoggerMessage(EventId = 5094, Level = LogLevel.Error, Message = "Projection {Projection}: rebuild failed; the live read model is unchanged")]
    public static partial void RebuildFailed(this ILogger logger, string projection, Exception exception);

    [LoggerMessage(EventId = 5095, Level = LogLevel.Warning, Message = "Projection {Projection}: dropping the rebuild's shadow failed; the next rebuild drops it")]
    public static partial void RebuildCleanupFailed(this ILogger logger, string projection, Exception exception);
}
