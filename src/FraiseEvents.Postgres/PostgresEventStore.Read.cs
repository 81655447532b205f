using System.Runtime.CompilerServices;
using FraiseEvents.Diagnostics;
using FraiseEvents.Serialization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FraiseEvents.Postgres;

public sealed partial class PostgresEventStore
{
    /// <inheritdoc />
    public IAsyncEnumerable<RecordedEvent> ReadStreamAsync(StreamId streamId, StreamVersion? fromVersion = null,
        StreamVersion? toVersion = null, CancellationToken cancellationToken = default) => Observed(TelemetryOperations.ReadStream, streamId,
        ReadStreamRowsAsync(streamId, _sql.ReadStreamForwards, $"reading stream {streamId}", cancellationToken,
            new NpgsqlParameter<int> { TypedValue = ToVersionColumn(fromVersion?.Value ?? 1) },
            new NpgsqlParameter<int> { TypedValue = ToVersionColumn(toVersion?.Value ?? int.MaxValue) }));

    /// <inheritdoc />
    public IAsyncEnumerable<RecordedEvent> ReadStreamBackwardsAsync(StreamId streamId, StreamVersion? fromVersion = null,
        int maxCount = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        return Observed(TelemetryOperations.ReadStreamBackwards, streamId,
            ReadStreamRowsAsync(streamId, _sql.ReadStreamBackwards, $"reading stream {streamId} backwards", cancellationToken,
            new NpgsqlParameter<int> { TypedValue = ToVersionColumn(fromVersion?.Value ?? int.MaxValue) },
            new NpgsqlParameter<int> { TypedValue = maxCount }));
    }

    /// <summary>
    /// Runs a read of one stream (<c>$1</c> is the stream id, <paramref name="parameters"/> the rest) and
    /// streams its events; an empty result for a stream that does not exist is <see cref="StreamNotFoundException"/>.
    /// </summary>
    private async IAsyncEnumerable<RecordedEvent> ReadStreamRowsAsync(StreamId streamId, string sql, string operation,
        [EnumeratorCancellation] CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        var query = await StartQueryAsync(sql, operation, cancellationToken,
            [new NpgsqlParameter<Guid> { TypedValue = streamId.Value }, .. parameters]).ConfigureAwait(false);
        await using var queryDisposal = query.ConfigureAwait(false);

        var any = false;
        while (await query.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            any = true;
            if (_serializer.Deserialize(ReadStoredEvent(query.Reader)) is { } recorded)
            {
                yield return recorded;
            }
        }

        if (!any)
        {
            await ThrowIfStreamMissingAsync(streamId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<RecordedEvent> ReadAllAsync(LogPosition after, int maxCount = 1000, CancellationToken cancellationToken = default) =>
        Observed(TelemetryOperations.ReadAll, streamId: null, ReadAllCoreAsync(after, maxCount, cancellationToken));

    private async IAsyncEnumerable<RecordedEvent> ReadAllCoreAsync(LogPosition after, int maxCount,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        var query = await StartQueryAsync(_sql.ReadAll, "reading the global log", cancellationToken,
            new NpgsqlParameter<long> { TypedValue = after.TransactionId },
            new NpgsqlParameter<long> { TypedValue = after.GlobalPosition },
            new NpgsqlParameter<int> { TypedValue = maxCount }).ConfigureAwait(false);
        await using var queryDisposal = query.ConfigureAwait(false);

        while (await query.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // Never null for the global log, which never leaves an event out (see UnknownEventTypeHandling.Skip).
            yield return _serializer.Deserialize(ReadStoredEvent(query.Reader), neverSkip: true)!;
        }
    }

    private async Task ThrowIfStreamMissingAsync(StreamId streamId, CancellationToken cancellationToken)
    {
        if (await GetStreamStateAsync(streamId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new StreamNotFoundException(streamId);
        }
    }

    private async Task<RunningQuery> StartQueryAsync(string sql, string operation, CancellationToken cancellationToken,
        params NpgsqlParameter[] parameters)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlConnection? connection = null;
        NpgsqlCommand? command = null;
        try
        {
            connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddRange(parameters);
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return new RunningQuery(connection, command, reader, Schema, operation, _logger);
        }
        catch (Exception ex)
        {
            if (command is not null)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }

            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            throw PostgresErrorMapper.MapReadFailure(ex, Schema, operation, _role) is { } mapped ? _logger.Logged(Schema, mapped) : ExceptionDispatch(ex);
        }
    }

    private static Exception ExceptionDispatch(Exception ex)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex).Throw();
        return ex; // unreachable: Throw() never returns
    }

    // StreamVersion keeps every version within the integer column's range (StreamVersion.MaxValue),
    // so nothing is clamped: a version that does not fit cannot be constructed.
    private static int ToVersionColumn(long version) => checked((int)version);

    private static StoredEvent ReadStoredEvent(NpgsqlDataReader reader) => new(
        EventId: reader.GetGuid(0),
        // The C# API never writes the empty uuid, but the SQL API can: such a row reads as
        // default(StreamId) instead of stopping every read that meets it.
        StreamId: reader.GetGuid(1) is var streamId && streamId != Guid.Empty ? new StreamId(streamId) : default,
        Version: reader.GetInt32(2),
        GlobalPosition: reader.GetInt64(3),
        TransactionId: reader.GetInt64(4),
        EventType: reader.GetString(5),
        SchemaVersion: reader.GetInt32(6),
        Data: reader.GetFieldValue<byte[]>(7),
        Metadata: reader.GetFieldValue<byte[]>(8),
        CreatedBy: reader.IsDBNull(9) ? null : reader.GetGuid(9),
        CreatedAt: reader.GetFieldValue<DateTimeOffset>(10));

    /// <summary>A reader with its command and connection, disposed together; reads map failures to typed exceptions.</summary>
    private sealed class RunningQuery(NpgsqlConnection connection, NpgsqlCommand command, NpgsqlDataReader reader, string schema, string operation,
        ILogger logger)
        : IAsyncDisposable
    {
        public NpgsqlDataReader Reader { get; } = reader;

        public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (PostgresErrorMapper.MapReadFailure(ex, schema, operation) is { } mapped)
            {
                throw logger.Logged(schema, mapped);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Reader.DisposeAsync().ConfigureAwait(false);
            await command.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
