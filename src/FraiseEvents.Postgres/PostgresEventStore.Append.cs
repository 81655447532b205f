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
        var append = new PendingAppend(streamId, expectedVersion, serialized, options?.StreamType);
        var outcome = _batcher is null
            ? await SendAloneAsync(append, cancellationToken).ConfigureAwait(false)
            : await _batcher.SendAsync(append, cancellationToken).ConfigureAwait(false);
        if (outcome.Status == Appended)
        {
            _notifications.AppendCommitted();
        }

        return ResultOf(outcome, streamId, expectedVersion, serialized, options);
    }

    /// <summary>One append, in its own round trip and transaction; failures come out mapped to the library's exceptions.</summary>
    private async Task<AppendOutcome> SendAloneAsync(PendingAppend append, CancellationToken cancellationToken)
    {
        var sent = false;
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            using var command = new NpgsqlCommand(_sql.Append, connection);
            AddAppendParameters(command.Parameters, append.StreamId, append.ExpectedVersion, append.Events, append.StreamType);
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);

            sent = true;
            var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            return AppendOutcome.Read(reader);
        }
        catch (Exception ex) when (PostgresErrorMapper.MapAppendFailure(ex, Schema, append.StreamId, append.ExpectedVersion, EventIds(append.Events), sent, _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }

    /// <summary>
    /// Appends sent together by the <see cref="AppendBatcher"/>: one batch of <c>try_append_events</c>
    /// calls, one round trip, one implicit transaction. Each call reports its own outcome; a refused
    /// one wrote nothing, so the others commit.
    /// </summary>
    private async Task<AppendBatcher.BatchResult> SendTogetherAsync(PendingAppend[] appends)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return AppendBatcher.BatchResult.SendEachAlone; // nothing was sent: each append tries on its own and reports its own failure
        }

        await using var connectionDisposal = connection.ConfigureAwait(false);
        try
        {
            using var batch = new NpgsqlBatch(connection);
            foreach (var append in appends)
            {
                var command = new NpgsqlBatchCommand(_sql.Append);
                AddAppendParameters(command.Parameters, append.StreamId, append.ExpectedVersion, append.Events, append.StreamType);
                batch.BatchCommands.Add(command);
            }

            await batch.PrepareAsync().ConfigureAwait(false);
            var outcomes = new AppendOutcome[appends.Length];
            var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                for (var i = 0; i < outcomes.Length; i++)
                {
                    if (i > 0)
                    {
                        await reader.NextResultAsync().ConfigureAwait(false);
                    }

                    await reader.ReadAsync().ConfigureAwait(false);
                    outcomes[i] = AppendOutcome.Read(reader);
                }

                // The implicit transaction commits once every result has been read.
                while (await reader.NextResultAsync().ConfigureAwait(false))
                {
                }
            }

            return new AppendBatcher.BatchResult(outcomes, null);
        }
        catch (PostgresException ex) when (!PostgresErrorMapper.IsConnectionLoss(ex))
        {
            // One append's error (or a deadlock) rolled back the whole batch: each tries again alone.
            _logger.AppendBatchFailed(Schema, appends.Length, ex.SqlState);
            return AppendBatcher.BatchResult.SendEachAlone;
        }
        catch (Exception ex)
        {
            return new AppendBatcher.BatchResult(null, ex);
        }
    }

    private Exception MapFailureAfterSending(PendingAppend append, Exception failure) =>
        _logger.Logged(Schema, PostgresErrorMapper.MapAppendFailure(failure, Schema, append.StreamId, append.ExpectedVersion,
            EventIds(append.Events), sent: true, _role) ?? failure);

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
    internal readonly record struct AppendOutcome(int Status, StreamVersion? StreamVersion, long[]? GlobalPositions, long TransactionId,
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
