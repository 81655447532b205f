using System.Diagnostics;
using FraiseEvents.Diagnostics;
using FraiseEvents.Snapshots;
using Npgsql;
using NpgsqlTypes;

namespace FraiseEvents.Postgres;

public sealed partial class PostgresEventStore
{
    /// <inheritdoc />
    /// <remarks>
    /// One round trip: a batch of the stream's row, <c>get_snapshot</c>, and the events after the
    /// snapshot. The three statements read at slightly different moments (READ COMMITTED); an
    /// append in between can only add events past the state's version, which callers stop at, or
    /// a newer snapshot than that version, which they ignore.
    /// </remarks>
    public Task<StreamWithSnapshot?> ReadStreamWithSnapshotAsync(StreamId streamId, int? schemaVersion, StreamVersion? maxVersion = null,
        CancellationToken cancellationToken = default) =>
        _telemetry.ReadsObserved
            ? ObservedReadStreamWithSnapshotAsync(streamId, schemaVersion, maxVersion, cancellationToken)
            : ReadStreamWithSnapshotCoreAsync(streamId, schemaVersion, maxVersion, cancellationToken);

    private async Task<StreamWithSnapshot?> ObservedReadStreamWithSnapshotAsync(StreamId streamId, int? schemaVersion, StreamVersion? maxVersion,
        CancellationToken cancellationToken)
    {
        var startedAt = Stopwatch.GetTimestamp();
        using var activity = _telemetry.StartActivity(TelemetryOperations.ReadStreamWithSnapshot, streamId);
        try
        {
            var read = await ReadStreamWithSnapshotCoreAsync(streamId, schemaVersion, maxVersion, cancellationToken).ConfigureAwait(false);
            _telemetry.ReadEnded(activity, TelemetryOperations.ReadStreamWithSnapshot, startedAt, exception: null);
            return read;
        }
        catch (Exception ex)
        {
            _telemetry.ReadEnded(activity, TelemetryOperations.ReadStreamWithSnapshot, startedAt, ex);
            throw;
        }
    }

    private async Task<StreamWithSnapshot?> ReadStreamWithSnapshotCoreAsync(StreamId streamId, int? schemaVersion, StreamVersion? maxVersion,
        CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            using var batch = new NpgsqlBatch(connection);
            var state = new NpgsqlBatchCommand(_sql.StreamState);
            state.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
            batch.BatchCommands.Add(state);
            var max = Nullable(NpgsqlDbType.Integer, maxVersion is { } version ? ToVersionColumn(version.Value) : null);
            if (schemaVersion is { } snapshotSchema)
            {
                var snapshot = new NpgsqlBatchCommand(_sql.ReadSnapshot);
                snapshot.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
                snapshot.Parameters.Add(new NpgsqlParameter<int> { TypedValue = snapshotSchema });
                snapshot.Parameters.Add(max.Clone());
                snapshot.Parameters.Add(Nullable(NpgsqlDbType.TimestampTz, null));
                batch.BatchCommands.Add(snapshot);
            }

            var events = new NpgsqlBatchCommand(_sql.ReadStreamAfterSnapshot);
            events.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
            events.Parameters.Add(Nullable(NpgsqlDbType.Integer, schemaVersion));
            events.Parameters.Add(max);
            batch.BatchCommands.Add(events);
            await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);

            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var streamState = ReadStreamState(streamId, reader);
            StoredSnapshot? stored = null;
            if (schemaVersion is not null)
            {
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    stored = ReadStoredSnapshot(streamId, reader);
                }
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var recorded = new List<RecordedEvent>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_serializer.Deserialize(ReadStoredEvent(reader)) is { } e)
                {
                    recorded.Add(e);
                }
            }

            return new StreamWithSnapshot(streamState, stored, recorded);
        }
        catch (Exception ex) when (PostgresErrorMapper.MapReadFailure(ex, Schema, $"reading stream {streamId} with its snapshot", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }
}
