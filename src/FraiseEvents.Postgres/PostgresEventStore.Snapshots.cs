using FraiseEvents.Diagnostics;
using FraiseEvents.Snapshots;
using Npgsql;
using NpgsqlTypes;

namespace FraiseEvents.Postgres;

public sealed partial class PostgresEventStore : ISnapshotStore
{
    /// <inheritdoc />
    public Task<StoredSnapshot?> ReadSnapshotAsync(StreamId streamId, int schemaVersion, StreamVersion? maxVersion = null,
        DateTimeOffset? asOf = null, CancellationToken cancellationToken = default) =>
        _telemetry.ReadsObserved
            ? ObservedReadSnapshotAsync(streamId, schemaVersion, maxVersion, asOf, cancellationToken)
            : ReadSnapshotCoreAsync(streamId, schemaVersion, maxVersion, asOf, cancellationToken);

    private async Task<StoredSnapshot?> ReadSnapshotCoreAsync(StreamId streamId, int schemaVersion, StreamVersion? maxVersion,
        DateTimeOffset? asOf, CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            using var command = new NpgsqlCommand(_sql.ReadSnapshot, connection);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = schemaVersion });
            command.Parameters.Add(Nullable(NpgsqlDbType.Integer, maxVersion is { } max ? ToVersionColumn(max.Value) : null));
            command.Parameters.Add(Nullable(NpgsqlDbType.TimestampTz, asOf?.ToUniversalTime()));
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            return ReadStoredSnapshot(streamId, reader);
        }
        catch (Exception ex) when (PostgresErrorMapper.MapReadFailure(ex, Schema, $"reading a snapshot of stream {streamId}", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }

    /// <inheritdoc />
    public Task WriteSnapshotAsync(StreamId streamId, SnapshotWrite snapshot, CancellationToken cancellationToken = default) =>
        StoreTelemetry.Tracing
            ? ObservedWriteSnapshotAsync(streamId, snapshot, cancellationToken)
            : WriteSnapshotCoreAsync(streamId, snapshot, cancellationToken);

    private async Task WriteSnapshotCoreAsync(StreamId streamId, SnapshotWrite snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            using var command = new NpgsqlCommand(_sql.WriteSnapshot, connection);
            AddSnapshotParameters(command.Parameters, streamId, snapshot);
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.SnapshotOfMissingVersion or PostgresErrorCodes.InvalidArgument)
        {
            throw new ArgumentException($"The snapshot of stream {streamId} at version {snapshot.Version} was refused: {ex.MessageText}", nameof(snapshot), ex);
        }
        catch (Exception ex) when (PostgresErrorMapper.MapReadFailure(ex, Schema, $"writing a snapshot of stream {streamId}", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// One round trip: the append and the snapshot travel in one batch, which PostgreSQL runs as one
    /// implicit transaction, on the same path as inline projections' writes: a refused append, or the
    /// retry of one stored earlier, leaves no snapshot behind.
    /// </remarks>
    public Task<AppendResult> AppendWithSnapshotAsync(StreamId streamId, ExpectedVersion expectedVersion, IReadOnlyList<NewEvent> events,
        SnapshotWrite snapshot, AppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return _telemetry.AppendsObserved
            ? ObservedAppendAsync(TelemetryOperations.AppendWithSnapshot, streamId, expectedVersion, events, options, snapshot, cancellationToken)
            : AppendWithSideWritesAsync(streamId, expectedVersion, events, options, snapshot, cancellationToken);
    }

    private static void AddSnapshotParameters(NpgsqlParameterCollection parameters, StreamId streamId, SnapshotWrite snapshot)
    {
        parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = ToVersionColumn(snapshot.Version.Value) });
        parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = snapshot.Data.ToArray(), NpgsqlDbType = NpgsqlDbType.Jsonb });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = snapshot.SchemaVersion });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = snapshot.Keep });
    }

    /// <summary>A row of <see cref="SqlStatements.ReadSnapshot"/>.</summary>
    private static StoredSnapshot ReadStoredSnapshot(StreamId streamId, NpgsqlDataReader reader) =>
        new(streamId, new StreamVersion(reader.GetInt32(0)), reader.GetInt32(2), reader.GetFieldValue<byte[]>(1),
            reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4));

    private static NpgsqlParameter Nullable(NpgsqlDbType type, object? value) =>
        new() { NpgsqlDbType = type, Value = value ?? DBNull.Value };
}
