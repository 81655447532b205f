using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// A batch whose third event the database itself refuses, after it has already written the
/// stream's row and the first two events: nothing of the batch may remain. (The contract's batch
/// tests are refused in C#, before any SQL is sent, so they never reach the database.)
/// </summary>
[TestFixture]
public sealed class BatchAtomicityTests : PostgresFixture
{
    private const string Refused = "refused by the database";

    [Test]
    public async Task A_new_stream_whose_third_event_the_database_refuses_is_not_created_and_keeps_no_event()
    {
        var store = await StoreWithRefusingTriggerAsync();
        var streamId = StreamId.New();

        var error = Assert.CatchAsync(() => store.AppendAsync(streamId, ExpectedVersion.NoStream, BatchWithThirdRefused()));

        // A user's trigger's error is not the library's to interpret: it arrives unchanged.
        Assert.That(error, Is.InstanceOf<PostgresException>().With.Property(nameof(PostgresException.SqlState)).EqualTo("23514"));
        await AssertNothingWrittenAsync(store, streamId, expectedEvents: 0);
        Assert.That(await Database.ScalarAsync<long>($"SELECT count(*) FROM {store.Schema}.tb_streams WHERE stream_id = '{streamId}'"), Is.Zero);
    }

    [Test]
    public async Task An_existing_stream_whose_batch_has_a_third_event_the_database_refuses_keeps_its_version_and_events()
    {
        var store = await StoreWithRefusingTriggerAsync();
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(2));

        Assert.CatchAsync<PostgresException>(() => store.AppendAsync(streamId, ExpectedVersion.Exactly(2), BatchWithThirdRefused()));

        await AssertNothingWrittenAsync(store, streamId, expectedEvents: 2);
        Assert.That((await store.GetStreamStateAsync(streamId))!.Version, Is.EqualTo(new StreamVersion(2)));
        var next = await store.AppendAsync(streamId, ExpectedVersion.Exactly(2), TestEvents.Batch(1));
        Assert.That(next.NextExpectedVersion, Is.EqualTo(new StreamVersion(3)), "the failed batch left no version behind");
    }

    [Test]
    public async Task A_batch_through_the_SQL_API_whose_third_event_the_column_refuses_writes_nothing()
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();
        var created = TestEvents.Created();
        var data = $$"""{"user_id": "{{created.UserId}}", "name": "{{created.Name}}", "email": "{{created.Email}}"}""";

        // event_type is varchar(100): the third event's 101-character type fails its insert, the
        // stream's row and the first two events having been written by then.
        await using var command = Database.DataSource.CreateCommand(
            $"SELECT * FROM {store.Schema}.append_events($1, -2, ARRAY[gen_random_uuid(), gen_random_uuid(), gen_random_uuid()], "
            + "ARRAY['USER_CREATED', 'USER_CREATED', repeat('X', 101)], ARRAY[$2::jsonb, $2::jsonb, $2::jsonb])");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = data });

        var error = Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.That(error!.SqlState, Is.EqualTo("22001"));
        await AssertNothingWrittenAsync(store, streamId, expectedEvents: 0);
        Assert.That(await Database.ScalarAsync<long>($"SELECT count(*) FROM {store.Schema}.tb_streams WHERE stream_id = '{streamId}'"), Is.Zero);
    }

    private static NewEvent[] BatchWithThirdRefused() =>
    [
        new(TestEvents.Created(1)),
        new(TestEvents.Created(2)),
        new(new UserCreated(Guid.NewGuid(), Refused, "x@example.com")),
        new(TestEvents.Created(4)),
    ];

    /// <summary>A store whose event table refuses, row by row as it is inserted, an event named <see cref="Refused"/>.</summary>
    private async Task<PostgresEventStore> StoreWithRefusingTriggerAsync()
    {
        var store = await NewStoreAsync();
        await Database.ExecuteAsync($"""
            CREATE FUNCTION {store.Schema}.refuse_marked_event() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.event_data->>'name' = '{Refused}' THEN
                    RAISE EXCEPTION 'event % refused by the test', NEW.event_version USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_marked_event BEFORE INSERT ON {store.Schema}.tb_events
                FOR EACH ROW EXECUTE FUNCTION {store.Schema}.refuse_marked_event();
            """);
        return store;
    }

    private async Task AssertNothingWrittenAsync(PostgresEventStore store, StreamId streamId, int expectedEvents)
    {
        Assert.That(await Database.ScalarAsync<long>($"SELECT count(*) FROM {store.Schema}.tb_events WHERE stream_id = '{streamId}'"),
            Is.EqualTo(expectedEvents));
        if (expectedEvents == 0)
        {
            Assert.That(await store.GetStreamStateAsync(streamId), Is.Null);
        }
    }
}
