using Microsoft.Extensions.Logging;

namespace FraiseEvents.Projections;

/// <summary>What the failure policies log (event ids 5070-5079 of the daemon's range).</summary>
internal static partial class ProjectionDaemonLog
{
    [LoggerMessage(EventId = 5070, Level = LogLevel.Error,
        Message = "Projection {Projection}: event {EventId} at log position {Position} failed {Attempts} time(s); it is recorded as {Disposition} and the projection goes on")]
    public static partial void SetAside(this ILogger logger, string projection, Guid eventId, LogPosition position, int attempts, string disposition,
        Exception exception);

    [LoggerMessage(EventId = 5071, Level = LogLevel.Warning,
        Message = "Projection {Projection}: replaying set-aside event {EventId} failed again; it stays recorded")]
    public static partial void ReplayFailed(this ILogger logger, string projection, Guid eventId, Exception exception);
}
