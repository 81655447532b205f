using Microsoft.Extensions.Logging;

namespace FraiseEvents.Projections;

/// <summary>What spreading projections across daemons logs, with stable event ids (5050-5059).</summary>
internal static partial class ProjectionSpreadLog
{
    [LoggerMessage(EventId = 5050, Level = LogLevel.Information,
        Message = "{Daemons} projection daemon(s) of this store are live: this daemon runs at most {Share} of the {Projections} async projections")]
    public static partial void ShareChanged(this ILogger logger, int daemons, int share, int projections);

    [LoggerMessage(EventId = 5051, Level = LogLevel.Information,
        Message = "Projection {Projection}: this daemon runs more than its share and gives the projection up, so that another daemon takes it")]
    public static partial void Shed(this ILogger logger, string projection);

    [LoggerMessage(EventId = 5052, Level = LogLevel.Warning,
        Message = "Announcing this projection daemon or counting the live ones failed; trying again later (until then it keeps its last count)")]
    public static partial void MembershipFailed(this ILogger logger, Exception exception);
}
