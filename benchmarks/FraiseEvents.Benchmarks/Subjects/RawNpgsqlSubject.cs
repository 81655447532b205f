using System.Text.Json;
using FraiseEvents.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace FraiseEvents.Benchmarks.Subjects;

/// <summary>
/// The limit: hand-written Npgsql without any of FraiseEvents' checks (no stream row, no
/// idempotency, no expected-version logic beyond the unique key). On FraiseEvents' own table and
/// index set, or, <paramref name="lean"/>, on a table with the same columns and only the primary
/// key <c>(stream_id, event_version)</c>: how far the schema is from the physical limit.
/// </summary>
/// <remarks>
/// <c>tx_id</c> is computed once per statement, as <c>try_append_events</c> does (migrations/0002),
/// not left to the column default, which calls the PL/pgSQL <c>fe_current_tx()</c> once per row.
/// </remarks>
internal sealed class RawNpgsqlSubject(string connectionString, bool lean = false) : ISubject
{
    private const string TxId = "(SELECT pg_current_xact_id()::text::bigint + i.tx_offset FROM bench.tb_store_info i WHERE i.id = 1)";

    private static readonly Dictionary<string, Type> TypesByName = new()
    {
        ["USER_CREATED"] = typeof(UserCreated), ["USER_UPDATED"] = typeof(UserUpdated), ["USER_DELETED"] = typeof(UserDeleted),
    };

    private readonly NpgsqlDataSource _dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
    private readonly string _table = lean ? "bench.lean_events" : "bench.tb_events";

    public string Name => lean ? "raw Npgsql, lean table" : "raw Npgsql";

    private string Insert => $"INSERT INTO {_table} (id, stream_id, event_type, event_version, event_data, tx_id) VALUES ($1, $2, $3, $4, $5, {TxId})";

    private string InsertMany =>
        $"INSERT INTO {_table} (id, stream_id, event_type, event_version, event_data, tx_id) "
        + $"SELECT u.id, $1, u.t, $2 + u.n::integer, u.d, {TxId} FROM unnest($3::uuid[], $4::text[], $5::jsonb[]) WITH ORDINALITY AS u(id, t, d, n)";

    // Several streams in one statement (S3-multi): one row per event, stream and version given.
    private string InsertStreams =>
        $"INSERT INTO {_table} (id, stream_id, event_type, event_version, event_data, tx_id) "
        + $"SELECT u.id, u.s, u.t, u.v, u.d, {TxId} FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::integer[], $5::jsonb[]) AS u(id, s, t, v, d)";

    private string Select => $"SELECT event_type, event_data FROM {_table} WHERE stream_id = $1 ORDER BY event_version";

    private string SelectMany => $"SELECT stream_id, event_type, event_data FROM {_table} WHERE stream_id = ANY ($1) ORDER BY stream_id, event_version";

    public async Task SetUpAsync()
    {
        // FraiseEvents' schema, so the limit is measured with the same table and indexes (and tb_store_info for tx_id).
        await using var store = new PostgresEventStore(_dataSource, FraiseSubject.Options(), new PostgresEventStoreOptions { Schema = "bench" });
        await store.InitializeAsync();
        if (lean)
        {
            await using var command = _dataSource.CreateCommand(
                "CREATE TABLE bench.lean_events (LIKE bench.tb_events INCLUDING DEFAULTS INCLUDING IDENTITY, PRIMARY KEY (stream_id, event_version))");
            await command.ExecuteNonQueryAsync();
        }
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

        return await ExecuteAsync(command) ? (version + events.Count, null) : (null, null);
    }

    private static async Task<bool> ExecuteAsync(NpgsqlCommand command)
    {
        await using (command)
        {
            try
            {
                await command.PrepareAsync();
                await command.ExecuteNonQueryAsync();
                return true;
            }
            catch (PostgresException ex) when (ex.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation)
            {
                return false;
            }
        }
    }

    public async Task<bool> AppendToStreamsAsync(IReadOnlyList<(Guid StreamId, long ExpectedVersion, object[] Events)> appends)
    {
        var rows = appends.SelectMany(a => a.Events.Select((e, i) => (a.StreamId, Version: (int)a.ExpectedVersion + i + 1, Event: e))).ToArray();
        await using var connection = await _dataSource.OpenConnectionAsync();
        return await ExecuteAsync(new NpgsqlCommand(InsertStreams, connection)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid[]> { TypedValue = [.. rows.Select(_ => Guid.CreateVersion7())] },
                new NpgsqlParameter<Guid[]> { TypedValue = [.. rows.Select(r => r.StreamId)] },
                new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => TypeName(r.Event))] },
                new NpgsqlParameter<int[]> { TypedValue = [.. rows.Select(r => r.Version)] },
                new NpgsqlParameter<byte[][]> { TypedValue = [.. rows.Select(r => Json(r.Event))], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
            },
        });
    }

    public async Task<long> GetVersionAsync(Guid streamId)
    {
        await using var command = _dataSource.CreateCommand($"SELECT coalesce(max(event_version), 0) FROM {_table} WHERE stream_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<bool> BulkImportAsync(IReadOnlyList<(Guid StreamId, object[] Events)> streams)
    {
        // One transaction, one tx_id for the whole import (as FraiseEvents' import), one binary COPY.
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        long txId;
        await using (var command = new NpgsqlCommand($"SELECT {TxId}", connection, transaction))
        {
            txId = (long)(await command.ExecuteScalarAsync())!;
        }

        await using (var writer = await connection.BeginBinaryImportAsync(
            $"COPY {_table} (id, stream_id, event_type, event_version, event_data, tx_id) FROM STDIN (FORMAT BINARY)"))
        {
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
                    await writer.WriteAsync(txId, NpgsqlDbType.Bigint);
                }
            }

            await writer.CompleteAsync();
        }

        await transaction.CommitAsync();
        return true;
    }

    public async Task<int> RehydrateAsync(Guid streamId)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        return await RehydrateAsync(connection, streamId);
    }

    private async Task<int> RehydrateAsync(NpgsqlConnection connection, Guid streamId)
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

    public async Task<int> RehydrateManyAsync(IReadOnlyList<Guid> streamIds, ManyStreamsRead way)
    {
        if (way == ManyStreamsRead.PerStream)
        {
            return await RehydrateManyAsync(streamIds);
        }

        // One SELECT for all the streams, folded per stream as the rows arrive.
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(SelectMany, connection)
        {
            Parameters = { new NpgsqlParameter<Guid[]> { TypedValue = streamIds as Guid[] ?? [.. streamIds] } },
        };
        await command.PrepareAsync();
        await using var reader = await command.ExecuteReaderAsync();
        var count = 0;
        UserState? state = null;
        var current = Guid.Empty;
        while (await reader.ReadAsync())
        {
            var id = reader.GetGuid(0);
            if (id != current)
            {
                count += state?.Events ?? 0;
                state = new UserState();
                current = id;
            }

            state!.Apply(JsonSerializer.Deserialize(reader.GetFieldValue<byte[]>(2), TypesByName[reader.GetString(1)])!);
        }

        return count + (state?.Events ?? 0);
    }

    public Task CreateAggregatesAsync(IReadOnlyList<(Guid StreamId, object[] Events)> streams, int snapshotAt) =>
        throw new NotSupportedException("raw Npgsql has no aggregates or snapshots; S5-snapshot has no raw limit");

    public Task<long> LoadAggregateAsync(Guid streamId) =>
        throw new NotSupportedException("raw Npgsql has no aggregates or snapshots; S5-snapshot has no raw limit");

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
