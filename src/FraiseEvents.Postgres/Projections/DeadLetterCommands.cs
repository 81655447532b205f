using FraiseEvents.Projections;
using Npgsql;
using NpgsqlTypes;

namespace FraiseEvents.Postgres;

/// <summary>
/// The commands that record an async projection batch's set-aside events and remove those a replay
/// applied, added to the batch's own transaction so that they commit with its checkpoint and writes.
/// </summary>
internal static class DeadLetterCommands
{
    public static void Add(NpgsqlBatch batch, SqlStatements sql, ProjectionBatch projection)
    {
        if (projection.SetAside.Count > 0)
        {
            batch.BatchCommands.Add(Record(sql, projection.CheckpointName, projection.SetAside));
        }

        if (projection.Released.Count > 0)
        {
            var release = new NpgsqlBatchCommand(sql.ReleaseDeadLetters);
            release.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.CheckpointName });
            release.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. projection.Released] });
            batch.BatchCommands.Add(release);
        }
    }

    private static NpgsqlBatchCommand Record(SqlStatements sql, string consumer, IReadOnlyList<ProjectionDeadLetter> letters)
    {
        var command = new NpgsqlBatchCommand(sql.RecordDeadLetters);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = consumer });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. letters.Select(l => l.EventId)] });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. letters.Select(l => l.StreamId.Value)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. letters.Select(l => l.Position.TransactionId)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. letters.Select(l => l.Position.GlobalPosition)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. letters.Select(l => l.EventType)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. letters.Select(l => l.ErrorType)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. letters.Select(l => WithoutNul(l.ErrorMessage))] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. letters.Select(l => l.Attempts)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. letters.Select(l => l.ParkedKey)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return command;
    }

    /// <summary>PostgreSQL text cannot hold U+0000, and an exception's message may: it would make the record itself fail.</summary>
    private static string WithoutNul(string message) => message.Replace('\0', '\uFFFD');
}
