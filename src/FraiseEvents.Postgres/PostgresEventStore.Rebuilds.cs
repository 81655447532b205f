using FraiseEvents.Projections;
using Npgsql;
using NpgsqlTypes;

namespace FraiseEvents.Postgres;

/// <summary>
/// Rebuilds in PostgreSQL (0015): the shadow table proj_&lt;name&gt;__rb, written batch by batch with the
/// checkpoint <c>rebuild:&lt;name&gt;</c> in one transaction, and the swap of tables, view and checkpoints
/// in one more. Every call goes through a SECURITY DEFINER function: the application role has no DDL rights.
/// </summary>
public sealed partial class PostgresEventStore : IProjectionRebuildStore
{
    Task IProjectionRebuildStore.StartRebuildAsync(IDocumentProjection projection, CancellationToken cancellationToken) =>
        RunRebuildCommandAsync(_sql.StartRebuild, projection, "starting a rebuild of", cancellationToken);

    Task IProjectionRebuildStore.DropRebuildAsync(IDocumentProjection projection, CancellationToken cancellationToken) =>
        RunRebuildCommandAsync(_sql.DropRebuild, projection, "dropping the rebuild of", cancellationToken);

    async Task<IReadOnlyDictionary<(string, string), StoredDocument?>> IProjectionRebuildStore.ReadRebuildDocumentsAsync(
        IDocumentProjection projection, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            using var command = new NpgsqlCommand(_sql.ReadRebuildDocuments, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. keys] });
            var read = new Dictionary<(string, string), StoredDocument?>();
            foreach (var key in keys)
            {
                read[(projection.Name, key)] = null;
            }

            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                read[(projection.Name, reader.GetString(0))] = new StoredDocument(
                    reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1), reader.GetInt64(2), reader.GetBoolean(3));
            }

            return read;
        }
        catch (Exception ex) when (ex is not OperationCanceledException
            && PostgresErrorMapper.MapReadFailure(ex, Schema, $"reading the rebuild of projection {projection.Name}", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }

    /// <summary>As a live batch: <c>fe_advance_projection</c> on <c>rebuild:&lt;name&gt;</c>, then the shadow's documents, one implicit transaction.</summary>
    async Task<bool> IProjectionRebuildStore.CommitRebuildBatchAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            using var command = new NpgsqlBatch(connection);
            var advance = AdvanceProjectionCommand(batch);
            command.BatchCommands.Add(advance);
            if (batch.Documents.Count > 0)
            {
                var apply = ApplyDocuments(batch.Projection.Name, batch.Documents);
                apply.CommandText = _sql.ApplyRebuildDocuments;
                command.BatchCommands.Add(apply);
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
        }
        catch (Exception ex) when (ex is not (FraiseEventsException or OperationCanceledException)
            && PostgresErrorMapper.MapReadFailure(ex, Schema, $"committing a rebuild batch of projection {batch.Projection.Name}", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }

    async Task<bool> IProjectionRebuildStore.SwapRebuildAsync(IDocumentProjection projection, LogPosition live, LogPosition rebuilt,
        CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            using var command = new NpgsqlCommand(_sql.SwapRebuild, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = live.TransactionId });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = live.GlobalPosition });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = rebuilt.TransactionId });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = rebuilt.GlobalPosition });
            return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!; // the function returns a boolean, never NULL
        }
        catch (Exception ex) when (ex is not OperationCanceledException
            && PostgresErrorMapper.MapReadFailure(ex, Schema, $"swapping in the rebuild of projection {projection.Name}", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }

    private async Task RunRebuildCommandAsync(string sql, IDocumentProjection projection, string what, CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException
            && PostgresErrorMapper.MapReadFailure(ex, Schema, $"{what} projection {projection.Name}", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }
}
