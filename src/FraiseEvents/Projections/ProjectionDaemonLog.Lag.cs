using Microsoft.Extensions.Logging;

namespace FraiseEvents.Projections;

/// <summary>The daemon's lag and hold-up messages (5060-5069), apart from the runner's own so that changes to either merge cleanly.</summary>
internal static partial class ProjectionDaemonLog
{
    [LoggerMessage(EventId = 5060, Level = LogLevel.Warning,
        Message = "Projection {Projection} has waited {Waited} at the end of the log it can see while committed events wait beyond it: "
                  + "transaction {TransactionId} of process {ProcessId} ({ApplicationName}, {State}, open for {TransactionAge}) holds them back; "
                  + "end or commit that transaction")]
    public static partial void HeldUp(this ILogger logger, string projection, TimeSpan waited, long transactionId, int? processId,
        string? applicationName, string? state, TimeSpan? transactionAge);

    [LoggerMessage(EventId = 5061, Level = LogLevel.Warning,
        Message = "Projection {Projection}: could not read how far behind it is; it goes on, its status shows the last figures read")]
    public static partial void LagReadFailed(this ILogger logger, string projection, Exception exception);
}
