using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class FailureTests : PostgresFixture
{
    [Test]
    public async Task An_unreachable_server_gives_a_typed_error_that_says_nothing_was_written()
    {
        await using var store = PostgresEventStore.Create("Host=127.0.0.1;Port=1;Username=nobody;Timeout=3", TestEvents.RegisterAll);

        var error = Assert.ThrowsAsync<EventStoreUnavailableException>(() =>
            store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1)));

        Assert.That(error!.OutcomeUnknown, Is.False);
        Assert.That(error.InnerException, Is.InstanceOf<NpgsqlException>());
    }

    [Test]
    public async Task A_connection_lost_during_an_append_reports_an_unknown_outcome_and_a_retry_writes_exactly_once()
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1));
        var events = TestEvents.Batch(2);

        // Hold the stream's row lock so the append waits inside the server, then kill its session.
        await using var blocker = await Database.DataSource.OpenConnectionAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM {store.Schema}.tb_streams WHERE stream_id = $1 FOR UPDATE", blocker, transaction))
        {
            lockRow.Parameters.Add(new NpgsqlParameter { Value = streamId.Value });
            await lockRow.ExecuteNonQueryAsync();
        }

        var append = store.AppendAsync(streamId, ExpectedVersion.Exactly(1), events);
        var pid = await WaitForBlockedAppendAsync(store.Schema);
        await using (var terminate = new NpgsqlCommand("SELECT pg_terminate_backend($1)", blocker, transaction))
        {
            terminate.Parameters.Add(new NpgsqlParameter { Value = pid });
            await terminate.ExecuteNonQueryAsync();
        }

        var error = Assert.ThrowsAsync<EventStoreUnavailableException>(() => append);
        await transaction.RollbackAsync();
        var retry = await store.AppendAsync(streamId, ExpectedVersion.Exactly(1), events);
        var secondRetry = await store.AppendAsync(streamId, ExpectedVersion.Exactly(1), events);

        Assert.That(error!.OutcomeUnknown, Is.True);
        Assert.That(error.Message, Does.Contain("same event ids"));
        Assert.That(retry.WasAlreadyAppended, Is.False);
        Assert.That(secondRetry.WasAlreadyAppended, Is.True);
        Assert.That((await store.ReadStreamAsync(streamId).ToListAsync()).Select(e => e.EventId),
            Is.EqualTo(new[] { (await store.ReadStreamAsync(streamId, toVersion: 1).ToListAsync())[0].EventId, events[0].EventId, events[1].EventId }));
    }

    [Test]
    public async Task A_reply_lost_after_the_commit_reports_an_unknown_outcome_and_the_retry_is_recognised()
    {
        var target = new NpgsqlConnectionStringBuilder(Database.ConnectionString);
        await using var proxy = ReplyDroppingProxy.Start(target.Host!, target.Port);
        // One physical connection, never reset: after the warm-up the append's statement is
        // prepared on it, so the append is one exchange and its reply is the first thing dropped.
        var throughProxy = new NpgsqlConnectionStringBuilder(Database.ConnectionString)
        {
            Host = "127.0.0.1", Port = proxy.Port, MaxPoolSize = 1, NoResetOnClose = true,
        };
        var schema = NewSchemaName();
        // No out-of-band NOTIFY after each append: on the one connection, the warm-up's notification
        // could be the exchange whose reply the proxy drops, instead of the append's.
        await using var store = PostgresEventStore.Create(throughProxy.ConnectionString, TestEvents.RegisterAll, postgres =>
        {
            postgres.Schema = schema;
            postgres.NotifyOnAppend = false;
        });
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1));
        var events = TestEvents.Batch(2);

        proxy.DropNextReply();
        var error = Assert.ThrowsAsync<EventStoreUnavailableException>(() => store.AppendAsync(streamId, ExpectedVersion.Exactly(1), events));
        var retry = await store.AppendAsync(streamId, ExpectedVersion.Exactly(1), events);

        Assert.That(proxy.ReplyDropped.Task.IsCompleted, Is.True, "the proxy dropped the append's reply");
        Assert.That(error!.OutcomeUnknown, Is.True, "the append was sent; only the server knows whether it committed");
        Assert.That(retry.WasAlreadyAppended, Is.True, "it had committed: the retry finds its events and writes nothing");
        Assert.That(retry.NextExpectedVersion, Is.EqualTo(new StreamVersion(3)));
        Assert.That((await store.ReadStreamAsync(streamId).ToListAsync()).Select(e => e.EventId).Skip(1),
            Is.EqualTo(events.Select(e => e.EventId)), "each event once, in order");
    }

    [Test]
    public async Task A_read_of_a_missing_schema_says_to_apply_the_migrations()
    {
        await using var store = new PostgresEventStore(Database.DataSource, postgresOptions: new PostgresEventStoreOptions { Schema = NewSchemaName() });
        await store.InitializeAsync();
        await Database.ExecuteAsync($"DROP SCHEMA {store.Schema} CASCADE");

        var error = Assert.ThrowsAsync<EventStoreConfigurationException>(() => store.GetStreamStateAsync(StreamId.New()));

        Assert.That(error!.Message, Does.Contain(store.Schema).And.Contain("ApplyAsync"));
    }

    private async Task<int> WaitForBlockedAppendAsync(string schema)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            await using var command = Database.DataSource.CreateCommand(
                // This database only: fixtures in other databases use the same schema names, and their
                // appends wait for locks too (writers racing on one stream).
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1 LIMIT 1");
            command.Parameters.Add(new NpgsqlParameter { Value = $"%{schema}\".try_append_events%" });
            if (await command.ExecuteScalarAsync() is int pid)
            {
                return pid;
            }

            await Task.Delay(25);
        }

        throw new AssertionException("The append never blocked on the stream lock.");
    }
}
