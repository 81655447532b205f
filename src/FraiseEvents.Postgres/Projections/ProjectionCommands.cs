using FraiseEvents.Projections;
using Npgsql;
using NpgsqlTypes;

namespace FraiseEvents.Postgres;

/// <summary>Builds the batch commands of the side writes that ride with an append: documents and SQL projections' statements.</summary>
internal static class ProjectionCommands
{
    public static NpgsqlBatchCommand ReadDocuments(DocumentStatements sql, List<string> keys)
    {
        var command = new NpgsqlBatchCommand(sql.Read);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. keys] });
        return command;
    }

    public static NpgsqlBatchCommand WriteDocuments(DocumentStatements sql, IReadOnlyList<DocumentWrite> writes)
    {
        var count = writes.Count;
        var keys = new string[count];
        var expected = new long?[count];
        var data = new byte[]?[count];
        var deleted = new bool[count];
        var streams = new Guid[count];
        var events = new Guid[count];
        for (var i = 0; i < count; i++)
        {
            var write = writes[i];
            keys[i] = write.Key;
            expected[i] = write.ExpectedRevision;
            data[i] = write.Data;
            deleted[i] = write.Deleted;
            streams[i] = write.LastStreamId.Value;
            events[i] = write.LastEventId;
        }

        var command = new NpgsqlBatchCommand(sql.Write);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
        command.Parameters.Add(new NpgsqlParameter<long?[]> { TypedValue = expected, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<byte[]?[]> { TypedValue = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = deleted });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = streams });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = events });
        return command;
    }

    /// <summary>
    /// Adds SQL projections' statements to <paramref name="batch"/>, after a command that puts the store's
    /// schema first on the transaction's search_path, and returns the index of the first statement
    /// (for <see cref="FailedStatement"/>). Adds nothing when there are none.
    /// </summary>
    public static int AddStatements(NpgsqlBatch batch, SqlStatements sql, string schema, IReadOnlyList<ProjectionStatement> statements)
    {
        var first = batch.BatchCommands.Count + 1;
        if (statements.Count == 0)
        {
            return first;
        }

        var searchPath = new NpgsqlBatchCommand(sql.UseStoreSearchPath);
        var path = schema == "public" ? StoreSchema.Quote(schema) : $"{StoreSchema.Quote(schema)}, public";
        searchPath.Parameters.Add(new NpgsqlParameter<string> { TypedValue = path });
        batch.BatchCommands.Add(searchPath);
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(Statement(statement));
        }

        return first;
    }

    /// <summary>
    /// The SQL projection statement that failed, when the failure is one of <paramref name="statements"/>,
    /// added to <paramref name="batch"/> from <paramref name="first"/> on. Npgsql names the failed command only
    /// when the connection string asks it to; otherwise it is the first command that never completed.
    /// </summary>
    public static ProjectionStatement? FailedStatement(NpgsqlBatch batch, PostgresException failure, int first,
        IReadOnlyList<ProjectionStatement> statements)
    {
        var failed = failure.BatchCommand is NpgsqlBatchCommand named
            ? batch.BatchCommands.IndexOf(named)
            : IndexOfFirstUncompleted(batch);
        var index = failed - first;
        return index >= 0 && index < statements.Count ? statements[index] : null;
    }

    private static int IndexOfFirstUncompleted(NpgsqlBatch batch)
    {
        for (var i = 0; i < batch.BatchCommands.Count; i++)
        {
            if (batch.BatchCommands[i].StatementType == StatementType.Unknown)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A SQL projection's statement; its values' types are inferred by Npgsql, as for any command.</summary>
    private static NpgsqlBatchCommand Statement(ProjectionStatement statement)
    {
        var command = new NpgsqlBatchCommand(statement.Sql);
        foreach (var value in statement.Parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }
}
