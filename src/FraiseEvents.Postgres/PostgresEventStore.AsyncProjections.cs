using FraiseEvents.Projections;
using FraiseEvents.Serialization;
using Npgsql;
using NpgsqlTypes;

namespace FraiseEvents.Postgres;

/// <summary>What the <see cref="ProjectionDaemon"/> needs: documents, a batch committed with its checkpoint, a lock per projection.</summary>
public sealed partial class PostgresEventStore : IAsyncProjectionStore
{
    InlineProjections IAsyncProjectionStore.Projections => _projections;

    EventTypeRegistry IAsyncProjectionStore.EventTypes => _serializer.Registry;

    async Task<IReadOnlyDictionary<(string, string), StoredDocument?>> IAsyncProjectionStore.ReadProjectionDocumentsAsync(
        IDocumentProjection projection, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            return await ReadDocumentsAsync(connection, [(projection, [.. keys])], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrorMapper.MapReadFailure(ex, Schema, $"reading documents of projection {projection.Name}", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }

    /// <summary>
    /// <c>fe_advance_projection</c> for a batch: the checkpoint's compare-and-set from the batch's
    /// expected position to its next one, raising FE010 when it moved. First in every batch it rides with.
    /// </summary>
    private NpgsqlBatchCommand AdvanceProjectionCommand(ProjectionBatch batch)
    {
        var advance = new NpgsqlBatchCommand(_sql.AdvanceProjection);
        advance.Parameters.Add(new NpgsqlParameter<string> { TypedValue = batch.CheckpointName });
        advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.Expected.TransactionId });
        advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.Expected.GlobalPosition });
        advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.Next.TransactionId });
        advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.Next.GlobalPosition });
        advance.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = batch.LastEventId, NpgsqlDbType = NpgsqlDbType.Uuid });
        return advance;
    }

    /// <summary>
    /// One batch, one implicit transaction, one round trip: <c>fe_advance_projection</c> first (it
    /// raises FE010 when the checkpoint moved, and nothing after it runs), then the documents or the
    /// SQL projection's statements. Nothing is prepared when user statements ride along, as for appends.
    /// </summary>
    async Task<bool> IAsyncProjectionStore.CommitProjectionBatchAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            using var command = new NpgsqlBatch(connection);
            var advance = AdvanceProjectionCommand(batch);
            if (!batch.KeepsCheckpoint) // a replay holds the projection's lock and leaves the checkpoint where it is
            {
                command.BatchCommands.Add(advance);
            }

            DeadLetterCommands.Add(command, _sql, batch);
            if (batch.Documents.Count > 0)
            {
                command.BatchCommands.Add(ApplyDocuments(batch.Projection.Name, batch.Documents));
            }

            var firstStatement = ProjectionCommands.AddStatements(command, _sql, Schema, batch.Statements);
            if (batch.Statements.Count == 0)
            {
                await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ProjectionCheckpointMoved)
            {
                return false;
            }
            catch (PostgresException ex) when (ProjectionCommands.FailedStatement(command, ex, firstStatement, batch.Statements) is { } statement)
            {
                _logger.ProjectionFailed(statement.ProjectionName, statement.FirstEvent.EventType, Schema, ex.SqlState);
                throw new ProjectionFailedException(statement.ProjectionName, statement.FirstEvent.StreamId, statement.FirstVersion,
                    statement.FirstEvent.EventType, ex);
            }
        }
        catch (Exception ex) when (ex is not (FraiseEventsException or OperationCanceledException)
            && PostgresErrorMapper.MapReadFailure(ex, Schema, $"committing a batch of projection {batch.Projection.Name}", _role) is { } mapped)
        {
            // Whether a batch cut off by a lost connection committed is unknown; the daemon retries it
            // from the stored checkpoint, and the compare-and-set keeps it from applying twice.
            throw _logger.Logged(Schema, mapped);
        }
    }

    async Task<IProjectionLease?> IAsyncProjectionStore.TryAcquireProjectionLeaseAsync(string projectionName, CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await PostgresProjectionLease.TryAcquireAsync(_dataSource, _sql, projectionName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException
            && PostgresErrorMapper.MapReadFailure(ex, Schema, $"taking the lock of projection {projectionName}", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }

    private NpgsqlBatchCommand ApplyDocuments(string projection, IReadOnlyList<DocumentWrite> writes)
    {
        var count = writes.Count;
        var keys = new string[count];
        var data = new byte[]?[count];
        var deleted = new bool[count];
        var versions = new int[count];
        var positions = new long[count];
        for (var i = 0; i < count; i++)
        {
            var write = writes[i];
            keys[i] = write.Key;
            data[i] = write.Data;
            deleted[i] = write.Deleted;
            versions[i] = ToVersionColumn(write.LastVersion!.Value.Value); // always known for an event read from the log
            positions[i] = write.LastPosition;
        }

        var command = new NpgsqlBatchCommand(_sql.ApplyProjectionDocuments);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
        command.Parameters.Add(new NpgsqlParameter<byte[]?[]> { TypedValue = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = deleted });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = versions });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = positions });
        return command;
    }
}
