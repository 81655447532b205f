using FraiseEvents.Projections;
using Npgsql;

namespace FraiseEvents.Postgres;

/// <summary>The events async projections set aside (tb_dead_letters, 0014), read through the owner's functions.</summary>
public sealed partial class PostgresEventStore : IDeadLetterStore
{
    async Task<IReadOnlyList<ProjectionDeadLetter>> IDeadLetterStore.ReadDeadLettersAsync(string projectionName, CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            var command = new NpgsqlCommand(_sql.ReadDeadLetters, connection);
            await using var commandDisposal = command.ConfigureAwait(false);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ProjectionRunner.CheckpointNameOf(projectionName) });
            var letters = new List<ProjectionDeadLetter>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    letters.Add(new ProjectionDeadLetter(projectionName, reader.GetGuid(0), new StreamId(reader.GetGuid(1)),
                        new LogPosition(reader.GetInt64(2), reader.GetInt64(3)), reader.GetString(4), reader.GetString(5), reader.GetString(6),
                        reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetFieldValue<DateTimeOffset>(9)));
                }
            }

            return letters;
        }
        catch (Exception ex) when (ex is not OperationCanceledException
            && PostgresErrorMapper.MapReadFailure(ex, Schema, $"reading the dead letters of projection {projectionName}", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }

    async Task<IReadOnlyCollection<string>> IDeadLetterStore.ReadParkedKeysAsync(string projectionName, CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionDisposal = connection.ConfigureAwait(false);
            var command = new NpgsqlCommand(_sql.ReadParkedKeys, connection);
            await using var commandDisposal = command.ConfigureAwait(false);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ProjectionRunner.CheckpointNameOf(projectionName) });
            var keys = new List<string>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    keys.Add(reader.GetString(0));
                }
            }

            return keys;
        }
        catch (Exception ex) when (ex is not OperationCanceledException
            && PostgresErrorMapper.MapReadFailure(ex, Schema, $"reading the parked keys of projection {projectionName}", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }
}
