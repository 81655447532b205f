using FraiseEvents.Projections;
using FraiseEvents.Serialization;
using Npgsql;
using NpgsqlTypes;

namespace FraiseEvents.Postgres;

public sealed partial class PostgresEventStore
{
    /// <summary>
    /// Creates many new streams in one transaction through binary <c>COPY</c>: the fast path for
    /// imports and migrations from another store. All streams and events are written, or none.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Every stream must be new (as with <see cref="ExpectedVersion.NoStream"/>); its events get
    /// versions 1 to n. All events share one <c>created_at</c> and one transaction id, so consumers
    /// of the global log see the import as one transaction, never skipping any of it.
    /// </para>
    /// <para>
    /// Inline projections are fed in the same transaction, exactly as by appends: the read models
    /// show the imported streams when the import returns, or nothing was imported.
    /// </para>
    /// <para>
    /// Unlike <see cref="AppendAsync"/>, an import is not idempotent: when its reply is lost
    /// (<see cref="EventStoreUnavailableException.OutcomeUnknown"/>), check one of its streams with
    /// <see cref="GetStreamStateAsync"/> before retrying.
    /// </para>
    /// </remarks>
    /// <param name="streams">The streams to create, each with its events.</param>
    /// <param name="cancellationToken">Cancels the import until it commits; a cancelled import writes nothing.</param>
    /// <exception cref="WrongExpectedVersionException">A stream already exists; nothing was written.</exception>
    /// <exception cref="ArgumentException">No streams, a stream without events, or a stream listed twice.</exception>
    public Task<BulkImportResult> BulkImportAsync(IReadOnlyCollection<BulkImportStream> streams, CancellationToken cancellationToken = default) =>
        _telemetry.AppendsObserved ? ObservedBulkImportAsync(streams, cancellationToken) : BulkImportCoreAsync(streams, cancellationToken);

    private async Task<BulkImportResult> BulkImportCoreAsync(IReadOnlyCollection<BulkImportStream> streams, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streams);
        cancellationToken.ThrowIfCancellationRequested();
        if (streams.Count == 0)
        {
            throw new ArgumentException("A bulk import needs at least one stream.", nameof(streams));
        }

        var seen = new HashSet<Guid>(streams.Count);
        foreach (var stream in streams)
        {
            ArgumentNullException.ThrowIfNull(stream, nameof(streams));
            if (!seen.Add(stream.StreamId.Value))
            {
                throw new ArgumentException($"Stream {stream.StreamId} appears twice in one bulk import.", nameof(streams));
            }

            // Checked before the COPY starts: the streams are written before their events are serialized.
            if (stream.StreamType is not null)
            {
                StoredNames.ValidateStreamType(stream.StreamType, $"The stream type of stream {stream.StreamId}", nameof(streams));
            }
        }

        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var committing = false;
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var transactionDisposal = transaction.ConfigureAwait(false);

            DateTimeOffset now;
            long txId;
            using (var command = new NpgsqlCommand(_sql.BulkImportStart, connection, transaction))
            {
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerDisposal = reader.ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                now = reader.GetFieldValue<DateTimeOffset>(0);
                txId = reader.GetInt64(1);
            }

            // Streams first, in the order appends take their locks: a concurrent append creating
            // one of these streams makes this import fail instead of deadlocking with it.
            await CopyStreamsAsync(connection, streams, now, cancellationToken).ConfigureAwait(false);
            var appends = _projections.IsEmpty ? null : new List<ProjectionAppend>(streams.Count);
            var events = await CopyEventsAsync(connection, streams, now, txId, appends, cancellationToken).ConfigureAwait(false);
            if (appends is not null)
            {
                await ProjectImportAsync(connection, transaction, appends, cancellationToken).ConfigureAwait(false);
            }

            committing = true;
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            _notifications.AppendCommitted();
            return new BulkImportResult(streams.Count, events, now);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw await DescribeExistingStreamAsync(streams, ex, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrorMapper.MapReadFailure(ex, Schema, "bulk importing streams", _role) is { } mapped)
        {
            if (mapped is EventStoreUnavailableException && committing)
            {
                _logger.BulkImportOutcomeUnknown(Schema, ex);
                throw new EventStoreUnavailableException(
                    "The connection failed while committing a bulk import; it may or may not have committed. "
                    + "Check one of its streams with GetStreamStateAsync before retrying.", outcomeUnknown: true, ex);
            }

            throw _logger.Logged(Schema, mapped);
        }
    }

    private async Task CopyStreamsAsync(NpgsqlConnection connection, IReadOnlyCollection<BulkImportStream> streams, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var writer = await connection.BeginBinaryImportAsync(_sql.BulkImportStreams, cancellationToken).ConfigureAwait(false);
        await using var writerDisposal = writer.ConfigureAwait(false);
        foreach (var stream in streams)
        {
            var count = stream.Events?.Count ?? 0;
            if (count == 0)
            {
                throw new ArgumentException($"Stream {stream.StreamId} of the bulk import has no events.", nameof(streams));
            }

            await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(stream.StreamId.Value, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
            if (stream.StreamType is null)
            {
                await writer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await writer.WriteAsync(stream.StreamType, NpgsqlDbType.Varchar, cancellationToken).ConfigureAwait(false);
            }

            await writer.WriteAsync(count, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            await writer.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> CopyEventsAsync(NpgsqlConnection connection, IReadOnlyCollection<BulkImportStream> streams, DateTimeOffset now,
        long txId, List<ProjectionAppend>? appends, CancellationToken cancellationToken)
    {
        long total = 0;
        var writer = await connection.BeginBinaryImportAsync(_sql.BulkImportEvents, cancellationToken).ConfigureAwait(false);
        await using var writerDisposal = writer.ConfigureAwait(false);
        foreach (var stream in streams)
        {
            // The same checks as an append: registered types, size limits, JSON that jsonb accepts.
            var options = stream.StreamType is null ? null : new AppendOptions { StreamType = stream.StreamType };
            var serialized = _serializer.SerializeAppend(stream.StreamId, stream.Events, options);
            appends?.Add(new ProjectionAppend(stream.StreamId, ExpectedVersion.NoStream, stream.Events, serialized, options));
            for (var i = 0; i < serialized.Length; i++)
            {
                await WriteEventRowAsync(writer, stream.StreamId.Value, i + 1, serialized[i], now, txId, cancellationToken).ConfigureAwait(false);
            }

            total += serialized.Length;
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return total;
    }

    /// <summary>Writes what the inline projections make of the imported streams, in the import's transaction.</summary>
    private async Task ProjectImportAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<ProjectionAppend> appends,
        CancellationToken cancellationToken)
    {
        var statements = await _projections.CollectStatementsAsync(appends, cancellationToken).ConfigureAwait(false);
        var keys = _projections.KeysToRead(appends, readAll: false);
        var read = keys.Count == 0 ? NothingRead : await ReadDocumentsAsync(connection, keys, cancellationToken).ConfigureAwait(false);
        var documents = _projections.ProjectDocuments(appends, read);
        using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var (projection, writes) in documents)
        {
            batch.BatchCommands.Add(ProjectionCommands.WriteDocuments(_documentSql[projection.Name], writes));
        }

        var firstStatement = ProjectionCommands.AddStatements(batch, _sql, Schema, statements);

        if (batch.BatchCommands.Count == 0)
        {
            return;
        }

        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DocumentChanged)
        {
            throw new ConcurrencyException(appends[0].StreamId,
                "A concurrent append changed projection documents that this bulk import also writes. Nothing was imported; retry the import.", ex);
        }
        catch (PostgresException ex) when (ProjectionCommands.FailedStatement(batch, ex, firstStatement, statements) is { } statement)
        {
            var first = statement.FirstEvent;
            _logger.ProjectionFailed(statement.ProjectionName, first.EventType, Schema, ex.SqlState);
            var append = appends.First(a => a.StreamId == first.StreamId);
            throw new ProjectionFailedException(statement.ProjectionName, first.StreamId,
                append.VersionOf(Array.FindIndex(append.Serialized, e => e.EventId == first.EventId)), first.EventType, ex);
        }
    }

    private static async Task WriteEventRowAsync(NpgsqlBinaryImporter writer, Guid streamId, int version, SerializedEvent e, DateTimeOffset now,
        long txId, CancellationToken cancellationToken)
    {
        await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
        await writer.WriteAsync(e.EventId, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
        await writer.WriteAsync(streamId, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
        await writer.WriteAsync(e.EventType, NpgsqlDbType.Varchar, cancellationToken).ConfigureAwait(false);
        await writer.WriteAsync(version, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
        await writer.WriteAsync(e.Data, NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
        await writer.WriteAsync(e.Metadata ?? EmptyJsonObject, NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
        await writer.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
        if (e.CreatedBy is { } createdBy)
        {
            await writer.WriteAsync(createdBy, NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await writer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
        }

        await writer.WriteAsync(txId, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
        await writer.WriteAsync(e.SchemaVersion, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
    }

    private static readonly byte[] EmptyJsonObject = "{}"u8.ToArray();

    /// <summary>After a unique violation: names a stream of the import that exists, with its version.</summary>
    private async Task<Exception> DescribeExistingStreamAsync(IReadOnlyCollection<BulkImportStream> streams, PostgresException violation,
        CancellationToken cancellationToken)
    {
        try
        {
            using var command = _dataSource.CreateCommand(_sql.FirstExistingStream);
            command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. streams.Select(s => s.StreamId.Value)] });
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return new WrongExpectedVersionException(new StreamId(reader.GetGuid(0)), ExpectedVersion.NoStream,
                    new StreamVersion(reader.GetInt32(1)), violation);
            }
        }
        catch (NpgsqlException)
        {
            // Only the description failed; report the violation itself below.
        }

        return new WrongExpectedVersionException(streams.First().StreamId, ExpectedVersion.NoStream, actualVersion: null, violation);
    }
}
