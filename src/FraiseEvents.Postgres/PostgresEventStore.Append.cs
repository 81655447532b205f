using FraiseEvents.Diagnostics;
using FraiseEvents.Serialization;
using Npgsql;
using NpgsqlTypes;

namespace FraiseEvents.Postgres;

public sealed partial class PostgresEventStore
{
    private const int Appended = 0;
    private const int AlreadyAppended = 1;
    private const int WrongExpectedVersion = 2;
    private const int EventIdConflict = 3;
    private const int StreamTypeMismatch = 4;
    // try_append_to_streams: this stream matched, but another one did not, so nothing was written.
    private const int NotWrittenBecauseOfAnotherStream = -1;

    /// <inheritdoc />
    /// <remarks>
    /// One call of <c>try_append_events</c>: one round trip, one transaction. With inline projections,
    /// their writes ride in the same transaction (and round trip), after a read of the documents the
    /// append changes when there are any. The cancellation token
    /// is honoured until the append is sent; after that the call waits for the server's answer,
    /// because cancelling a statement that may be committing would leave its outcome unknown.
    /// </remarks>
    public Task<AppendResult> AppendAsync(StreamId streamId, ExpectedVersion expectedVersion, IReadOnlyList<NewEvent> events,
        AppendOptions? options = null, CancellationToken cancellationToken = default) =>
        _telemetry.AppendsObserved
            ? ObservedAppendAsync(TelemetryOperations.Append, streamId, expectedVersion, events, options, snapshot: null, cancellationToken)
            : AppendCoreAsync(streamId, expectedVersion, events, options, cancellationToken);

    private async Task<AppendResult> AppendCoreAsync(StreamId streamId, ExpectedVersion expectedVersion, IReadOnlyList<NewEvent> events,
        AppendOptions? options, CancellationToken cancellationToken)
    {
        // A token cancelled before the call stops it here: a pooled connection opens without looking at it.
        cancellationToken.ThrowIfCancellationRequested();
        if (!_projections.IsEmpty)
        {
            return await AppendWithSideWritesAsync(streamId, expectedVersion, events, options, snapshot: null, cancellationToken)
                .ConfigureAwait(false);
        }

        var serialized = _serializer.SerializeAppend(streamId, expectedVersion, events, options);
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);

        var sent = false;
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            using var command = new NpgsqlCommand(_sql.Append, connection);
            AddAppendParameters(command.Parameters, streamId, expectedVersion, serialized, options?.StreamType);
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);

            sent = true;
            var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            return ResultOf(AppendOutcome.Read(reader), streamId, expectedVersion, serialized, options);
        }
        catch (Exception ex) when (PostgresErrorMapper.MapAppendFailure(ex, Schema, streamId, expectedVersion, EventIds(serialized), sent, _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }

    private static Guid[] EventIds(SerializedEvent[] events) => [.. events.Select(e => e.EventId)];

    /// <summary>The append's result, or the typed exception its status stands for (nothing was written then).</summary>
    private static AppendResult ResultOf(in AppendOutcome outcome, StreamId streamId, ExpectedVersion expectedVersion,
        SerializedEvent[] events, AppendOptions? options)
    {
        switch (outcome.Status)
        {
            case Appended or AlreadyAppended:
                var positions = outcome.GlobalPositions!; // always returned with these statuses
                var globalPositions = new GlobalPosition[positions.Length];
                for (var i = 0; i < positions.Length; i++)
                {
                    globalPositions[i] = new GlobalPosition(positions[i]);
                }

                return new AppendResult(outcome.StreamVersion!.Value, globalPositions, // always returned with these statuses
                    new LogPosition(outcome.TransactionId, positions[^1]), outcome.CreatedAt, wasAlreadyAppended: outcome.Status == AlreadyAppended);
            case WrongExpectedVersion:
                throw new WrongExpectedVersionException(streamId, expectedVersion, outcome.StreamVersion);
            case EventIdConflict:
                throw new IdempotencyConflictException(streamId, EventIds(events));
            case StreamTypeMismatch:
                throw new StreamTypeMismatchException(streamId, options?.StreamType ?? "", outcome.StreamType);
            default:
                throw new InvalidOperationException($"try_append_events returned unknown status {outcome.Status}; the schema is newer than this library.");
        }
    }

    /// <summary>The row <c>try_append_events</c> returns.</summary>
    private readonly record struct AppendOutcome(int Status, StreamVersion? StreamVersion, long[]? GlobalPositions, long TransactionId,
        DateTimeOffset CreatedAt, string? StreamType)
    {
        public static AppendOutcome Read(NpgsqlDataReader reader)
        {
            var status = reader.GetInt32(0);
            var succeeded = status is Appended or AlreadyAppended;
            return new AppendOutcome(
                status,
                reader.IsDBNull(1) ? null : new StreamVersion(reader.GetInt32(1)),
                succeeded ? reader.GetFieldValue<long[]>(2) : null,
                succeeded ? reader.GetInt64(3) : 0,
                succeeded ? reader.GetFieldValue<DateTimeOffset>(4) : default,
                reader.IsDBNull(5) ? null : reader.GetString(5));
        }
    }

    private static void AddAppendParameters(NpgsqlParameterCollection parameters, StreamId streamId, ExpectedVersion expectedVersion,
        SerializedEvent[] events, string? streamType)
    {
        parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion.Value });
        AddEventParameters(parameters, events);
        parameters.Add(new NpgsqlParameter<string?> { TypedValue = streamType, NpgsqlDbType = NpgsqlDbType.Text });
    }

    /// <summary>The six per-event arrays of the append functions: ids, types, data, metadata, schema versions, authors.</summary>
    private static void AddEventParameters(NpgsqlParameterCollection parameters, SerializedEvent[] events)
    {
        var count = events.Length;
        var ids = new Guid[count];
        var types = new string[count];
        var data = new byte[count][];
        var schemaVersions = new int[count];
        byte[]?[]? metadata = null;
        Guid?[]? createdBy = null;
        for (var i = 0; i < count; i++)
        {
            var e = events[i];
            ids[i] = e.EventId;
            types[i] = e.EventType;
            data[i] = e.Data;
            schemaVersions[i] = e.SchemaVersion;
            if (e.Metadata is not null)
            {
                (metadata ??= new byte[count][])[i] = e.Metadata;
            }

            if (e.CreatedBy is not null)
            {
                (createdBy ??= new Guid?[count])[i] = e.CreatedBy;
            }
        }

        parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        parameters.Add(new NpgsqlParameter<byte[]?[]?> { TypedValue = metadata, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        parameters.Add(new NpgsqlParameter<int[]> { TypedValue = schemaVersions });
        parameters.Add(new NpgsqlParameter<Guid?[]?> { TypedValue = createdBy, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
    }
}
