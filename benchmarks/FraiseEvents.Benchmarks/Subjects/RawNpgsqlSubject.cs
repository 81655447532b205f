using System.Text.Json;
using FraiseEvents.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace FraiseEvents.Benchmarks.Subjects;

/// <summary>
/// The limit: hand-written Npgsql on FraiseEvents' own table and index set, without any of its
/// checks (no stream row, no idempotency, no expected-version logic beyond the unique key).
/// </summary>
internal sealed class RawNpgsqlSubject(string connectionString) : ISubject
{
    private const string Insert =
        "INSERT INTO bench.tb_events (id, stream_id, event_type, event_version, event_data) VALUES ($1, $2, $3, $4, $5)";
    private const string InsertMany =
        "INSERT INTO bench.tb_events (id, stream_id, event_type, event_version, event_data) "
        + "SELECT u.id, $1, u.t, $2 + u.n::integer, u.d FROM unnest($3::uuid[], $4::text[], $5::jsonb[]) WITH ORDINALITY AS u(id, t, d, n)";
    private const string Select = "SELECT event_type, event_data FROM bench.tb_events WHERE stream_id = $1 ORDER BY event_version";

    private static readonly Dictionary<string, Type> TypesByName = new()
    {
        ["USER_CREATED"] = typeof(UserCreated), ["USER_UPDATED"] = typeof(UserUpdated), ["USER_DELETED"] = typeof(UserDeleted),
    };

    private readonly NpgsqlDataSource _dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();

    public string Name => "raw Npgsql";

    public async Task SetUpAsync()
    {
        // FraiseEvents' schema, so the limit is measured with the same table and indexes.
        await using var store = new PostgresEventStore(_dataSource, FraiseSubject.Options(), new PostgresEventStoreOptions { Schema = "bench" });
        await store.InitializeAsync();
    }

    private static string TypeName(object e) => e switch
    {
        UserCreated => "USER_CREATED",
        UserUpdated => "USER_UPDATED",
        _ => "USER_DELETED",
    };

    private static byte[] Json(object e) => JsonSerializer.SerializeToUtf8Bytes(e, e.GetType());

    public async Task<(long? Version, long? ActualVersion)> AppendOrConflictAsync(Guid streamId, long? expectedVersion, IReadOnlyList<object> events)
    {
        var version = (int)(expectedVersion ?? 0);
        await using var connection = await _dataSource.OpenConnectionAsync();
        NpgsqlCommand command;
        if (events.Count == 1)
        {
            command = new NpgsqlCommand(Insert, connection)
            {
                Parameters =
                {
                    new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() },
                    new NpgsqlParameter<Guid> { TypedValue = streamId },
                    new NpgsqlParameter<string> { TypedValue = TypeName(events[0]) },
                    new NpgsqlParameter<int> { TypedValue = version + 1 },
                    new NpgsqlParameter<byte[]> { TypedValue = Json(events[0]), NpgsqlDbType = NpgsqlDbType.Jsonb },
                },
            };
        }
        else
        {
            command = new NpgsqlCommand(InsertMany, connection)
            {
                Parameters =
                {
                    new NpgsqlParameter<Guid> { TypedValue = streamId },
                    new NpgsqlParameter<int> { TypedValue = version },
                    new NpgsqlParameter<Guid[]> { TypedValue = [.. events.Select(_ => Guid.CreateVersion7())] },
                    new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(TypeName)] },
                    new NpgsqlParameter<byte[][]> { TypedValue = [.. events.Select(Json)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
                },
            };
        }

        await using (command)
        {
            try
            {
                await command.PrepareAsync();
                await command.ExecuteNonQueryAsync();
                return (version + events.Count, null);
            }
            catch (PostgresException ex) when (ex.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation)
            {
                return (null, null);
            }
        }
    }

    public async Task<long> GetVersionAsync(Guid streamId)
    {
        await using var command = _dataSource.CreateCommand("SELECT coalesce(max(event_version), 0) FROM bench.tb_events WHERE stream_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<bool> BulkImportAsync(IReadOnlyList<(Guid StreamId, object[] Events)> streams)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY bench.tb_events (id, stream_id, event_type, event_version, event_data) FROM STDIN (FORMAT BINARY)");
        foreach (var (id, events) in streams)
        {
            for (var i = 0; i < events.Length; i++)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
                await writer.WriteAsync(id, NpgsqlDbType.Uuid);
                await writer.WriteAsync(TypeName(events[i]), NpgsqlDbType.Varchar);
                await writer.WriteAsync(i + 1, NpgsqlDbType.Integer);
                await writer.WriteAsync(Json(events[i]), NpgsqlDbType.Jsonb);
            }
        }

        await writer.CompleteAsync();
        return true;
    }

    public async Task<int> RehydrateAsync(Guid streamId)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        return await RehydrateAsync(connection, streamId);
    }

    private static async Task<int> RehydrateAsync(NpgsqlConnection connection, Guid streamId)
    {
        await using var command = new NpgsqlCommand(Select, connection) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = streamId } } };
        await command.PrepareAsync();
        await using var reader = await command.ExecuteReaderAsync();
        var state = new UserState();
        while (await reader.ReadAsync())
        {
            var type = TypesByName[reader.GetString(0)];
            state.Apply(JsonSerializer.Deserialize(reader.GetFieldValue<byte[]>(1), type)!);
        }

        return state.Events;
    }

    public async Task<int> RehydrateManyAsync(IReadOnlyList<Guid> streamIds)
    {
        // One SELECT per stream on one connection: the shape an application without a batch API has.
        await using var connection = await _dataSource.OpenConnectionAsync();
        var count = 0;
        foreach (var id in streamIds)
        {
            count += await RehydrateAsync(connection, id);
        }

        return count;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
