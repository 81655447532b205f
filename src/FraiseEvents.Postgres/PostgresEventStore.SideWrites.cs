using FraiseEvents.Projections;
using FraiseEvents.Serialization;
using FraiseEvents.Snapshots;
using Npgsql;

namespace FraiseEvents.Postgres;

public sealed partial class PostgresEventStore : IDocumentReader
{
    /// <summary>How often an append is recomputed when the documents it writes were changed by another transaction meanwhile.</summary>
    private const int MaxDocumentAttempts = 10;

    private static readonly Dictionary<(string, string), StoredDocument?> NothingRead = [];

    /// <summary>A single-stream append with what rides with it; see <see cref="AppendToStoreAsync"/>.</summary>
    private async Task<AppendResult> AppendWithSideWritesAsync(StreamId streamId, ExpectedVersion expectedVersion, IReadOnlyList<NewEvent> events,
        AppendOptions? options, SnapshotWrite? snapshot, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var serialized = _serializer.SerializeAppend(streamId, expectedVersion, events, options);
        ProjectionAppend[] appends = [new ProjectionAppend(streamId, expectedVersion, events, serialized, options)];
        var outcomes = await AppendToStoreAsync(appends, snapshot, cancellationToken).ConfigureAwait(false);
        return ResultOf(outcomes[0], streamId, expectedVersion, serialized, options);
    }

    /// <summary>
    /// The one append path for what rides with an append (a snapshot, inline projections' documents,
    /// SQL projections' statements), for one stream or several. One batch, one implicit transaction:
    /// <c>try_append_events</c> (<c>try_append_to_streams</c> for several streams), then the document
    /// writes or <c>fe_require_appended</c>, either of which aborts the transaction unless this very
    /// transaction stored the events, then the other side writes. So a refused append or the retry of
    /// an append stored earlier leaves no side write, whatever the side writes are, and a failing side
    /// write stores nothing. Documents the append changes are read first (one round trip more); when
    /// another transaction changed them before the batch commits, the batch fails as a whole and the
    /// documents are recomputed.
    /// </summary>
    /// <returns>One outcome per stream; the caller turns refusals into exceptions.</returns>
    private async Task<AppendOutcome[]> AppendToStoreAsync(ProjectionAppend[] appends, SnapshotWrite? snapshot, CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var statements = await _projections.CollectStatementsAsync(appends, cancellationToken).ConfigureAwait(false);

        for (var attempt = 1; ; attempt++)
        {
            var sent = false;
            try
            {
                var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var connectionDisposal = connection.ConfigureAwait(false);
                var keys = _projections.KeysToRead(appends, readAll: attempt > 1);
                var read = keys.Count == 0 ? NothingRead : await ReadDocumentsAsync(connection, keys, cancellationToken).ConfigureAwait(false);
                var documents = _projections.ProjectDocuments(appends, read);

                using var batch = new NpgsqlBatch(connection);
                batch.BatchCommands.Add(AppendCommand(appends));
                // Document writes check for themselves that this transaction stored the events (as
                // fe_require_appended does), so the separate guard is sent only when none comes first
                // and something else follows.
                foreach (var (projection, writes) in documents)
                {
                    batch.BatchCommands.Add(ProjectionCommands.WriteDocuments(_documentSql[projection.Name], writes));
                }

                if (documents.Count == 0 && (snapshot is not null || statements.Count > 0))
                {
                    foreach (var append in appends)
                    {
                        var guard = new NpgsqlBatchCommand(_sql.RequireAppended);
                        guard.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = append.StreamId.Value });
                        guard.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = append.Serialized[^1].EventId });
                        batch.BatchCommands.Add(guard);
                    }
                }

                if (snapshot is not null)
                {
                    var write = new NpgsqlBatchCommand(_sql.WriteSnapshotAfterAppend);
                    AddSnapshotParameters(write.Parameters, appends[0].StreamId, snapshot);
                    write.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = appends[0].Serialized[^1].EventId });
                    batch.BatchCommands.Add(write);
                }

                var firstStatement = ProjectionCommands.AddStatements(batch, _sql, Schema, statements);
                if (statements.Count == 0)
                {
                    // Only the library's own statements are prepared: users' statements would pile up
                    // in every pooled connection's prepared-statement cache.
                    await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
                }

                sent = true;
                var outcomes = new AppendOutcome[appends.Length];
                var reader = await batch.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    for (var i = 0; i < outcomes.Length; i++)
                    {
                        await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                        outcomes[i] = AppendOutcome.Read(reader);
                    }

                    try
                    {
                        // Every statement's outcome (and the transaction's) is only known once every result is read.
                        while (await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false))
                        {
                        }
                    }
                    catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.AppendNotWritten && !AllAppended(outcomes))
                    {
                        // Refused, or stored earlier: the status rows say which; nothing rode with it.
                    }
                    catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DocumentChanged && attempt < MaxDocumentAttempts)
                    {
                        _logger.ProjectionDocumentsChanged(Schema, attempt, MaxDocumentAttempts);
                        continue;
                    }
                    catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DocumentChanged)
                    {
                        _logger.ProjectionDocumentsKeptChanging(Schema, attempt);
                        throw new ConcurrencyException(appends[0].StreamId,
                            $"The append to stream {Describe(appends)} was tried {attempt} times, and each time other transactions had changed the projection "
                            + "documents it writes before it could commit. Nothing was written. Retry later.", ex);
                    }
                    catch (PostgresException ex) when (ProjectionCommands.FailedStatement(batch, ex, firstStatement, statements) is { } statement)
                    {
                        _logger.ProjectionFailed(statement.ProjectionName, statement.FirstEvent.EventType, Schema, ex.SqlState);
                        var append = Array.Find(appends, a => Array.Exists(a.Serialized, e => e.EventId == statement.FirstEvent.EventId)) ?? appends[0];
                        throw new ProjectionFailedException(statement.ProjectionName, append.StreamId,
                            append.VersionOf(Array.FindIndex(append.Serialized, e => e.EventId == statement.FirstEvent.EventId)),
                            statement.FirstEvent.EventType, ex);
                    }
                }

                if (AllAppended(outcomes))
                {
                    _notifications.AppendCommitted();
                }

                return outcomes;
            }
            catch (Exception ex) when (ex is not (FraiseEventsException or ArgumentException)
                && PostgresErrorMapper.MapAppendFailure(ex, Schema, appends[0].StreamId, appends[0].ExpectedVersion,
                    appends.SelectMany(a => EventIds(a.Serialized)).ToArray(), sent, _role) is { } mapped)
            {
                throw _logger.Logged(Schema, mapped);
            }
        }
    }

    private static bool AllAppended(AppendOutcome[] outcomes) => Array.TrueForAll(outcomes, o => o.Status == Appended);

    private static string Describe(ProjectionAppend[] appends) =>
        appends.Length == 1 ? appends[0].StreamId.ToString() : string.Join(", ", appends.Select(a => a.StreamId));

    private async Task<Dictionary<(string, string), StoredDocument?>> ReadDocumentsAsync(NpgsqlConnection connection,
        List<(IDocumentProjection Projection, List<string> Keys)> keys, CancellationToken cancellationToken)
    {
        var read = new Dictionary<(string, string), StoredDocument?>();
        using var batch = new NpgsqlBatch(connection);
        foreach (var (projection, projectionKeys) in keys)
        {
            batch.BatchCommands.Add(ProjectionCommands.ReadDocuments(_documentSql[projection.Name], projectionKeys));
            foreach (var key in projectionKeys)
            {
                read[(projection.Name, key)] = null;
            }
        }

        await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerDisposal = reader.ConfigureAwait(false);
        var index = 0;
        do
        {
            var name = keys[index++].Projection.Name;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                read[(name, reader.GetString(0))] = new StoredDocument(
                    reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1), reader.GetInt64(2), reader.GetBoolean(3));
            }
        }
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));

        return read;
    }

    /// <summary>Creates the tables of document projections (once) and records SQL projections; the caller maps FE009 to a typed exception.</summary>
    private async Task EnsureProjectionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var projection in _projections.Documents)
            {
                using var command = new NpgsqlCommand(_sql.EnsureDocumentProjection, connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.KeysAreText ? "text" : "uuid" });
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var projection in _projections.Sql)
            {
                using var command = new NpgsqlCommand(_sql.EnsureSqlProjection, connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ProjectionShapeChanged)
        {
            _logger.ProjectionShapeChanged(Schema, ex.MessageText);
            throw;
        }
    }

    /// <inheritdoc />
    public Task<TDocument?> LoadAsync<TDocument>(StreamId id, CancellationToken cancellationToken = default) where TDocument : class =>
        LoadAsync<TDocument>(InlineProjections.KeyOf(id), cancellationToken);

    /// <inheritdoc />
    public async Task<TDocument?> LoadAsync<TDocument>(string key, CancellationToken cancellationToken = default) where TDocument : class
    {
        ArgumentNullException.ThrowIfNull(key);
        var projection = _projections.ForDocument(typeof(TDocument));
        key = InlineProjections.NormalizeKey(projection, key);
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            using var command = new NpgsqlCommand(_documentSql[projection.Name].ReadOne, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0)
                ? (TDocument?)_projections.Deserialize(projection, reader.GetFieldValue<byte[]>(0))
                : null;
        }
        catch (Exception ex) when (PostgresErrorMapper.MapReadFailure(ex, Schema, $"loading document '{key}' of projection {projection.Name}", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }
}
