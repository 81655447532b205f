namespace FraiseEvents.Diagnostics;

/// <summary>The values of <c>db.operation.name</c>: stable, because dashboards and alerts filter on them.</summary>
internal static class TelemetryOperations
{
    public const string Append = "append";
    public const string AppendWithSnapshot = "append_with_snapshot";
    public const string AppendToStreams = "append_to_streams";
    public const string BulkImport = "bulk_import";
    public const string ReadStream = "read_stream";
    public const string ReadStreamBackwards = "read_stream_backwards";
    public const string ReadStreamAsOf = "read_stream_as_of";
    public const string ReadStreams = "read_streams";
    public const string ReadAll = "read_all";
    public const string ReadSnapshot = "read_snapshot";
    public const string ReadStreamWithSnapshot = "read_stream_with_snapshot";
    public const string WriteSnapshot = "write_snapshot";
    public const string Migrate = "migrate";
    public const string LoadAggregate = "load_aggregate";
    public const string SaveAggregate = "save_aggregate";
}
