namespace FraiseEvents.Diagnostics;

/// <summary>
/// Attribute names: OpenTelemetry's database client conventions where they apply, and
/// <c>fraiseevents.*</c> for what they do not cover.
/// </summary>
internal static class TelemetryTags
{
    public const string DbSystemName = "db.system.name";
    public const string DbNamespace = "db.namespace";
    public const string DbOperationName = "db.operation.name";
    public const string DbResponseStatusCode = "db.response.status_code";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string ErrorType = "error.type";

    public const string StreamId = "fraiseevents.stream.id";
    public const string EventCount = "fraiseevents.event.count";
    public const string StreamCount = "fraiseevents.stream.count";
    public const string AppendOutcome = "fraiseevents.append.outcome";
    public const string AggregateType = "fraiseevents.aggregate.type";
}
