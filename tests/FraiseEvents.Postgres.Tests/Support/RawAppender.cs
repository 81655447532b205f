using FraiseEvents.Conformance;
using Npgsql;

namespace FraiseEvents.Postgres.Tests.Support;

/// <summary>
/// Appends through the same SQL function the store calls, but inside a transaction the test holds
/// open, to create the interleavings of concurrent writers that the global log must survive.
/// </summary>
internal sealed class RawAppender : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly string _schema;

    private RawAppender(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema)
    {
        _connection = connection;
        _transaction = transaction;
        _schema = schema;
    }

    public static async Task<RawAppender> BeginAsync(NpgsqlDataSource dataSource, string schema)
    {
        var connection = await dataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        return new RawAppender(connection, transaction, schema);
    }

    /// <summary>The server process of the transaction's connection.</summary>
    public int ProcessId => _connection.ProcessID;

    /// <summary>Names the session, as an application would in its connection string.</summary>
    public async Task SetApplicationNameAsync(string name)
    {
        await using var command = new NpgsqlCommand("SELECT set_config('application_name', $1, false)", _connection, _transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Makes the transaction take its transaction id now, as a writer that wrote elsewhere first would.</summary>
    public async Task<long> TakeTransactionIdAsync()
    {
        await using var command = new NpgsqlCommand("SELECT pg_current_xact_id()::text::bigint", _connection, _transaction);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Appends one USER_CREATED event to a new stream and returns its id and global position.</summary>
    public async Task<(Guid EventId, long GlobalPosition)> AppendAsync()
    {
        var eventId = Guid.CreateVersion7();
        var created = TestEvents.Created();
        await using var command = new NpgsqlCommand(
            $"SELECT global_positions[1] FROM {_schema}.try_append_events($1, -2, $2, ARRAY['USER_CREATED'], ARRAY[$3::jsonb])",
            _connection, _transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7() });
        command.Parameters.Add(new NpgsqlParameter { Value = new[] { eventId } });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = $$"""{"user_id": "{{created.UserId}}", "name": "{{created.Name}}", "email": "{{created.Email}}"}""",
        });
        var position = (long)(await command.ExecuteScalarAsync())!;
        return (eventId, position);
    }

    /// <summary>Appends one USER_CREATED event to a stream with an expected version; returns try_append_events' status and version.</summary>
    public Task<(int Status, int Version)> TryAppendAsync(StreamId streamId, long expectedVersion) =>
        TryAppendAsync(_connection, _transaction, _schema, streamId, expectedVersion);

    /// <summary>The same on any connection: in its transaction, or in a transaction of its own when there is none.</summary>
    public static async Task<(int Status, int Version)> TryAppendAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema,
        StreamId streamId, long expectedVersion)
    {
        await using var append = new NpgsqlCommand(
            $"SELECT status, stream_version FROM \"{schema}\".try_append_events($1, $2, ARRAY[gen_random_uuid()], ARRAY['USER_CREATED'], ARRAY['{{}}'::jsonb])",
            connection, transaction);
        append.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
        append.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
        await using var reader = await append.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    public Task CommitAsync() => _transaction.CommitAsync();

    public Task RollbackAsync() => _transaction.RollbackAsync();

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
