using System.Diagnostics;
using FraiseEvents.Diagnostics;
using FraiseEvents.Snapshots;
using Npgsql;

namespace FraiseEvents.Postgres;

/// <summary>
/// The observed variants of the public operations: a span and measurements around the plain
/// operation. The public methods call these only when someone listens, so an unobserved call
/// pays one check and no allocation.
/// </summary>
public sealed partial class PostgresEventStore : IInstrumentedEventStore
{
    StoreTelemetry IInstrumentedEventStore.Telemetry => _telemetry;

    private static StoreTelemetry CreateTelemetry(NpgsqlDataSource dataSource, PostgresEventStoreOptions options)
    {
        // The connection string of a data source carries no password unless Persist Security Info is set; only these parts are read.
        var connection = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        var database = connection.Database ?? connection.Username;

        // OpenTelemetry's db.namespace for PostgreSQL: the schema qualified by the database name.
        var dbNamespace = database is null ? options.Schema : $"{database}.{options.Schema}";
        return new StoreTelemetry("postgresql", dbNamespace, connection.Host, connection.Port, options.RecordStreamIdsInTelemetry,
            new FraiseEventsMetrics(options.MeterFactory));
    }

    private IAsyncEnumerable<RecordedEvent> Observed(string operation, StreamId? streamId, IAsyncEnumerable<RecordedEvent> read) =>
        ObservedAsyncEnumerable<RecordedEvent>.Wrap(read, _telemetry, operation, streamId);

    private async Task<AppendResult> ObservedAppendAsync(string operation, StreamId streamId, ExpectedVersion expectedVersion,
        IReadOnlyList<NewEvent> events, AppendOptions? options, SnapshotWrite? snapshot, CancellationToken cancellationToken)
    {
        var startedAt = Stopwatch.GetTimestamp();
        using var activity = _telemetry.StartActivity(operation, streamId);
        try
        {
            var result = snapshot is null
                ? await AppendCoreAsync(streamId, expectedVersion, events, options, cancellationToken).ConfigureAwait(false)
                : await AppendWithSideWritesAsync(streamId, expectedVersion, events, options, snapshot, cancellationToken).ConfigureAwait(false);
            _telemetry.AppendSucceeded(activity, operation, startedAt, result.WasAlreadyAppended, events.Count);
            return result;
        }
        catch (Exception ex)
        {
            _telemetry.AppendFailed(activity, operation, startedAt, ex);
            throw;
        }
    }

    private async Task<BulkImportResult> ObservedBulkImportAsync(IReadOnlyCollection<BulkImportStream> streams, CancellationToken cancellationToken)
    {
        var startedAt = Stopwatch.GetTimestamp();
        using var activity = _telemetry.StartActivity(TelemetryOperations.BulkImport, streamId: null);
        activity?.SetTag(TelemetryTags.StreamCount, streams?.Count);
        try
        {
            var result = await BulkImportCoreAsync(streams!, cancellationToken).ConfigureAwait(false); // null is refused inside
            _telemetry.AppendSucceeded(activity, TelemetryOperations.BulkImport, startedAt, alreadyAppended: false, result.Events);
            return result;
        }
        catch (Exception ex)
        {
            _telemetry.AppendFailed(activity, TelemetryOperations.BulkImport, startedAt, ex);
            throw;
        }
    }

    private async Task<StoredSnapshot?> ObservedReadSnapshotAsync(StreamId streamId, int schemaVersion, StreamVersion? maxVersion,
        DateTimeOffset? asOf, CancellationToken cancellationToken)
    {
        var startedAt = Stopwatch.GetTimestamp();
        using var activity = _telemetry.StartActivity(TelemetryOperations.ReadSnapshot, streamId);
        try
        {
            var snapshot = await ReadSnapshotCoreAsync(streamId, schemaVersion, maxVersion, asOf, cancellationToken).ConfigureAwait(false);
            _telemetry.ReadEnded(activity, TelemetryOperations.ReadSnapshot, startedAt, exception: null);
            return snapshot;
        }
        catch (Exception ex)
        {
            _telemetry.ReadEnded(activity, TelemetryOperations.ReadSnapshot, startedAt, ex);
            throw;
        }
    }

    private async Task ObservedWriteSnapshotAsync(StreamId streamId, SnapshotWrite snapshot, CancellationToken cancellationToken)
    {
        using var activity = _telemetry.StartActivity(TelemetryOperations.WriteSnapshot, streamId);
        try
        {
            await WriteSnapshotCoreAsync(streamId, snapshot, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            StoreTelemetry.Failed(activity, ex);
            throw;
        }
    }
}
