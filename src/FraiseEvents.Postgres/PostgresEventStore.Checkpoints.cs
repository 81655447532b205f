using FraiseEvents.Subscriptions;
using Npgsql;
using NpgsqlTypes;

namespace FraiseEvents.Postgres;

/// <summary>Consumers' checkpoints in tb_checkpoints, and the log reads subscriptions make.</summary>
public sealed partial class PostgresEventStore : ICheckpointStore, ILogPageReader
{
    /// <inheritdoc />
    public async Task<LogPosition?> ReadCheckpointAsync(string consumerName, CancellationToken cancellationToken = default)
    {
        ConsumerNames.Validate(consumerName);
        var query = await StartQueryAsync(_sql.ReadCheckpoint, $"reading the checkpoint of {consumerName}", cancellationToken,
            new NpgsqlParameter<string> { TypedValue = consumerName }).ConfigureAwait(false);
        await using var queryDisposal = query.ConfigureAwait(false);
        return await query.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new LogPosition(query.Reader.GetInt64(0), query.Reader.GetInt64(1))
            : null;
    }

    /// <inheritdoc />
    /// <remarks>One call of <c>advance_checkpoint</c>, which takes the row's lock: of two concurrent calls expecting the same position, one succeeds.</remarks>
    public async Task<bool> CompareAndSetCheckpointAsync(string consumerName, LogPosition expected, LogPosition position,
        CancellationToken cancellationToken = default)
    {
        ConsumerNames.Validate(consumerName);
        var query = await StartQueryAsync(_sql.AdvanceCheckpoint, $"storing the checkpoint of {consumerName}", cancellationToken,
            new NpgsqlParameter<string> { TypedValue = consumerName },
            new NpgsqlParameter<long> { TypedValue = expected.TransactionId },
            new NpgsqlParameter<long> { TypedValue = expected.GlobalPosition },
            new NpgsqlParameter<long> { TypedValue = position.TransactionId },
            new NpgsqlParameter<long> { TypedValue = position.GlobalPosition }).ConfigureAwait(false);
        await using var queryDisposal = query.ConfigureAwait(false);
        return await query.ReadAsync(cancellationToken).ConfigureAwait(false) && query.Reader.GetBoolean(0);
    }

    /// <inheritdoc />
    public async Task ResetCheckpointAsync(string consumerName, LogPosition position = default, CancellationToken cancellationToken = default)
    {
        // A compare-and-set from what is stored, again if a running consumer moved it in between:
        // advance_checkpoint is the only writer the application's role may call, and this way no
        // new SQL function is needed to reset.
        while (true)
        {
            var current = await ReadCheckpointAsync(consumerName, cancellationToken).ConfigureAwait(false) ?? LogPosition.Start;
            if (await CompareAndSetCheckpointAsync(consumerName, current, position, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    async Task<LogPage> ILogPageReader.ReadLogPageAsync(LogPosition after, int maxCount, LogFilter filter, CancellationToken cancellationToken)
    {
        var events = new List<RecordedEvent>();
        var scannedTo = after;
        var scanned = 0;
        if (filter.IsNone)
        {
            await foreach (var recorded in ReadAllAsync(after, maxCount, cancellationToken).ConfigureAwait(false))
            {
                events.Add(recorded);
                scannedTo = recorded.LogPosition;
            }

            return new LogPage(events, scannedTo, events.Count, after);
        }

        var query = await StartQueryAsync(_sql.ReadLogFiltered, "reading the global log", cancellationToken,
            new NpgsqlParameter<long> { TypedValue = after.TransactionId },
            new NpgsqlParameter<long> { TypedValue = after.GlobalPosition },
            new NpgsqlParameter<int> { TypedValue = maxCount },
            TextArray(filter.EventTypes),
            TextArray(filter.StreamTypes),
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, Value = (object?)filter.StreamIds ?? DBNull.Value })
            .ConfigureAwait(false);
        await using var queryDisposal = query.ConfigureAwait(false);
        while (await query.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var reader = query.Reader;
            scannedTo = new LogPosition(reader.GetInt64(4), reader.GetInt64(3));
            scanned = reader.GetInt32(12);
            if (reader.GetBoolean(11))
            {
                // Never null for the global log, which never leaves an event out (see UnknownEventTypeHandling.Skip).
                events.Add(_serializer.Deserialize(ReadStoredEvent(reader), neverSkip: true)!);
            }
        }

        return new LogPage(events, scannedTo, scanned, after);
    }

    async Task<LogPosition> ILogPageReader.ReadLogEndAsync(CancellationToken cancellationToken)
    {
        var query = await StartQueryAsync(_sql.ReadLogEnd, "reading the end of the global log", cancellationToken).ConfigureAwait(false);
        await using var queryDisposal = query.ConfigureAwait(false);
        return await query.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new LogPosition(query.Reader.GetInt64(0), query.Reader.GetInt64(1))
            : LogPosition.Start;
    }

    private static NpgsqlParameter TextArray(string[]? values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = (object?)values ?? DBNull.Value };
}
