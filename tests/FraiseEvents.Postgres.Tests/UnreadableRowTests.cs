using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// Rows the C# API would refuse but the SQL API can write: the global log must surface them in their
/// place and go on, or every consumer behind them is stuck.
/// </summary>
[TestFixture]
public sealed class UnreadableRowTests : PostgresFixture
{
    /// <summary>
    /// The whole log once it holds <paramref name="count"/> events. The log shows an event only when
    /// every transaction that started before it has ended, in every database of the cluster, so
    /// another fixture's open transaction can hold it back for a while; waiting is about ordering,
    /// and the assertions that matter are about what the log then contains.
    /// </summary>
    private static async Task<List<RecordedEvent>> WholeLogAsync(IEventStore store, int count)
    {
        for (var attempt = 0; ; attempt++)
        {
            var all = new List<RecordedEvent>();
            var position = LogPosition.Start;
            for (var page = await store.ReadAllAsync(position, 2).ToListAsync(); page.Count > 0; page = await store.ReadAllAsync(position, 2).ToListAsync())
            {
                all.AddRange(page);
                position = page[^1].LogPosition;
            }

            if (all.Count >= count || attempt == 1500)
            {
                return all;
            }

            await Task.Delay(20);
        }
    }

    [Test]
    public async Task An_event_appended_through_sql_under_the_empty_uuid_does_not_stop_the_global_log()
    {
        var store = await NewStoreAsync();
        // Since 0006 the database refuses the empty uuid too; a store may still hold such rows from
        // before (the constraints do not check old rows), so the row is written as it could have been then.
        await Database.ExecuteAsync($"""
            ALTER TABLE "{store.Schema}".tb_events DROP CONSTRAINT ck_tb_events_stream_id_not_nil;
            ALTER TABLE "{store.Schema}".tb_streams DROP CONSTRAINT ck_tb_streams_stream_id_not_nil
            """);
        var before = StreamId.New();
        await store.AppendAsync(before, ExpectedVersion.NoStream, TestEvents.Batch(1));
        await Database.ExecuteAsync($$"""
            SELECT "{{store.Schema}}".append_event('00000000-0000-0000-0000-000000000000',
                'USER_CREATED', '{"user_id": "{{Guid.NewGuid()}}", "name": "Nil", "email": "nil@example.com"}')
            """);
        var after = StreamId.New();
        await store.AppendAsync(after, ExpectedVersion.NoStream, TestEvents.Batch(1));

        var log = await WholeLogAsync(store, 3);

        Assert.That(log.Select(e => e.StreamId), Is.EqualTo(new[] { before, default, after }));
        Assert.That(log[1].Data, Is.InstanceOf<UserCreated>());
    }

    [TestCase("""{"user_id": "not a uuid", "name": "Bad", "email": "bad@example.com"}""", TestName = "JSON that does not fit the class")]
    [TestCase(null, TestName = "JSON nested deeper than the reader's limit")]
    public async Task A_row_the_reader_cannot_map_is_surfaced_in_its_place_and_the_log_goes_on(string? json)
    {
        var store = await NewStoreAsync();
        json ??= "{\"user_id\": " + string.Concat(Enumerable.Repeat("[", 100)) + string.Concat(Enumerable.Repeat("]", 100)) + "}";
        var bad = StreamId.New();
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1));
        await Database.ExecuteAsync($"SELECT \"{store.Schema}\".append_event('{bad}', 'USER_CREATED', '{json}')");
        var after = StreamId.New();
        await store.AppendAsync(after, ExpectedVersion.NoStream, TestEvents.Batch(1));

        var log = await WholeLogAsync(store, 3);

        Assert.That(log, Has.Count.EqualTo(3));
        var unreadable = log[1].Data as UnreadableEvent;
        Assert.That(unreadable, Is.Not.Null, "surfaced, not thrown");
        Assert.That((unreadable!.EventType, log[1].StreamId, log[2].StreamId), Is.EqualTo(("USER_CREATED", bad, after)));
        Assert.That(unreadable.Reason, Does.Contain(bad.ToString()));
        Assert.ThrowsAsync<EventSerializationException>(async () => await store.ReadStreamAsync(bad).ToListAsync(),
            "a stream read still says the stream cannot be read");
    }
}
