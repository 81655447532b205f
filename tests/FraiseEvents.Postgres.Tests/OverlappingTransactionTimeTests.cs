using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// now() is a transaction's start time. A transaction that starts first but gets the stream lock
/// last would store a later version with an earlier time, and "state at T" would have a hole.
/// </summary>
[TestFixture]
public sealed class OverlappingTransactionTimeTests : PostgresFixture
{
    [Test]
    public async Task A_transaction_that_started_earlier_but_locked_the_stream_later_stores_a_later_time()
    {
        var store = await NewStoreAsync();
        var s = $"\"{store.Schema}\"";
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, new UserCreated(streamId.Value, "Ada", "ada@example.com"));

        // The early transaction starts (now() is fixed from here) before the late one exists.
        await using var early = await Database.DataSource.OpenConnectionAsync();
        await using var earlyTx = await early.BeginTransactionAsync();
        var earlyStart = await ScalarAsync<DateTimeOffset>(early, earlyTx, "SELECT now()");
        var earlyPid = early.ProcessID;

        // The late transaction starts after it, takes the stream lock first and holds it.
        await using var late = await Database.DataSource.OpenConnectionAsync();
        await ScalarAsync<DateTimeOffset>(late, null, "SELECT pg_sleep(0.002), now()", column: 1);
        await using var lateTx = await late.BeginTransactionAsync();
        await AppendAsync(late, lateTx, s, streamId, 1, new UserUpdated(streamId.Value, Name: "Late"));

        // The early one now wants the lock and queues behind the late one.
        var earlyAppend = AppendAsync(early, earlyTx, s, streamId, 2, new UserUpdated(streamId.Value, Name: "Early"));
        await WaitUntilDoneOrWaitingForLockAsync(earlyAppend, earlyPid);
        Assert.That(earlyAppend.IsCompleted, Is.False, "the early append must queue behind the late one's lock");
        await lateTx.CommitAsync();
        await earlyAppend;
        await earlyTx.CommitAsync();

        var events = await store.ReadStreamAsync(streamId).ToListAsync();
        Assert.That(events.Select(e => (e.Data as UserUpdated)?.Name), Is.EqualTo(new[] { null, "Late", "Early" }));
        Assert.That(events[2].CreatedAt, Is.GreaterThanOrEqualTo(events[1].CreatedAt), "created_at never decreases within a stream");
        Assert.That(events[2].CreatedAt, Is.GreaterThan(earlyStart), "the time is taken after the lock, not at transaction start");
        // Strictly later than the late append's event, which committed before the early append got
        // the lock: a transaction-start time raised to the previous event's (greatest(now(), last))
        // would pass the two checks above with an equal time.
        Assert.That(events[2].CreatedAt, Is.GreaterThan(events[1].CreatedAt), "the time is read after the lock");
        foreach (var recorded in events)
        {
            var asOf = await store.ReadStreamAsOfAsync(streamId, recorded.CreatedAt).ToListAsync();
            Assert.That(asOf.Select(e => e.Version.Value), Is.EqualTo(Enumerable.Range(1, asOf.Count).Select(v => (long)v)),
                "state at any event's time is a prefix of the stream");
            Assert.That(asOf.Select(e => e.Version), Does.Contain(recorded.Version));
        }
    }

    [Test]
    public async Task A_clock_that_stepped_back_never_makes_created_at_decrease_within_a_stream()
    {
        var store = await NewStoreAsync();
        var s = $"\"{store.Schema}\"";
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, new UserCreated(streamId.Value, "Ada", "ada@example.com"));
        // As if the last append ran while the server's clock was an hour ahead, and the clock then
        // stepped back (an NTP correction): its event and the stream's row carry the later time.
        await Database.ExecuteAsync(
            $$"""
            WITH ahead AS (
                INSERT INTO {{s}}.tb_events (id, stream_id, event_type, event_version, event_data, created_at, tx_id)
                VALUES (gen_random_uuid(), '{{streamId}}', 'USER_UPDATED', 2, '{"user_id": "{{streamId}}", "name": "Ahead"}',
                        clock_timestamp() + interval '1 hour', {{s}}.fe_current_tx())
                RETURNING created_at)
            UPDATE {{s}}.tb_streams SET version = 2, updated_at = (SELECT created_at FROM ahead) WHERE stream_id = '{{streamId}}'
            """);

        await store.AppendAsync(streamId, ExpectedVersion.Exactly(2), new UserUpdated(streamId.Value, Name: "After the step"));

        var events = await store.ReadStreamAsync(streamId).ToListAsync();
        Assert.That(events[2].CreatedAt, Is.GreaterThanOrEqualTo(events[1].CreatedAt), "created_at never decreases within a stream");
    }

    private static async Task AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, StreamId streamId,
        long expectedVersion, object @event)
    {
        var (type, json) = @event switch
        {
            UserCreated c => ("USER_CREATED", $"{{\"user_id\":\"{c.UserId}\",\"name\":\"{c.Name}\",\"email\":\"{c.Email}\"}}"),
            UserUpdated u => ("USER_UPDATED", $"{{\"user_id\":\"{u.UserId}\",\"name\":\"{u.Name}\"}}"),
            _ => throw new ArgumentException("unexpected event", nameof(@event)),
        };
        await using var command = new NpgsqlCommand(
            $"SELECT stream_version FROM {schema}.append_events($1, $2, ARRAY[gen_random_uuid()], ARRAY[$3], ARRAY[$4::jsonb])", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = type });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = json });
        await command.ExecuteScalarAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, int column = 0)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetFieldValue<T>(column);
    }
}
