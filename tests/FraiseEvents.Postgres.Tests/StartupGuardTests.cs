using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class StartupGuardTests : PostgresFixture
{
    [Test]
    public async Task A_session_without_synchronous_commit_is_refused_unless_explicitly_allowed()
    {
        var schema = NewSchemaName();
        var unsafeConnection = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Options = "-c synchronous_commit=off" }.ConnectionString;

        await using var refused = PostgresEventStore.Create(unsafeConnection, TestEvents.RegisterAll, o => o.Schema = schema);
        var error = Assert.ThrowsAsync<EventStoreConfigurationException>(() =>
            refused.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1)));
        await using var allowed = PostgresEventStore.Create(unsafeConnection, TestEvents.RegisterAll, o =>
        {
            o.Schema = schema;
            o.AllowUnsafeDurabilitySettings = true;
        });
        var result = await allowed.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1));

        Assert.That(error!.Message, Does.Contain("synchronous_commit=off").And.Contain("AllowUnsafeDurabilitySettings"));
        Assert.That(result.NextExpectedVersion, Is.EqualTo(new StreamVersion(1)));
    }

    [Test]
    [NonParallelizable] // reads the global log, which open transactions of parallel tests would hold back
    public async Task Stored_transaction_ids_ahead_of_the_cluster_block_the_store_until_rebased_and_then_nothing_is_skipped()
    {
        var original = await NewStoreAsync();
        var restoredEventPosition = await SimulateRestoreWithTransactionIdsFromTheFuture(original.Schema, 9_000_000_000);
        var checkpoint = new LogPosition(9_000_000_000, restoredEventPosition);

        var blocked = Reopen(original.Schema);
        var error = Assert.ThrowsAsync<EventStoreConfigurationException>(() => blocked.InitializeAsync());
        await Database.ExecuteAsync($"SELECT {original.Schema}.rebase_transaction_ids()");
        var rebased = Reopen(original.Schema);
        var appended = await rebased.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1));
        var afterCheckpoint = await rebased.ReadAllAsync(checkpoint).ToListAsync();

        Assert.That(error!.Message, Does.Contain("rebase_transaction_ids").And.Contain("9000000000"));
        Assert.That(appended.LogPosition.TransactionId, Is.GreaterThan(9_000_000_000));
        Assert.That(afterCheckpoint.Select(e => e.GlobalPosition), Is.EqualTo(appended.GlobalPositions));
    }

    [Test]
    public async Task A_store_moved_to_another_cluster_records_its_new_origin_and_carries_on()
    {
        var store = await NewStoreAsync();
        await Database.ExecuteAsync($"UPDATE {store.Schema}.tb_store_info SET system_identifier = 1, timeline_id = 7");

        var moved = Reopen(store.Schema);
        await moved.InitializeAsync();

        var recorded = await Database.ScalarAsync<long>($"SELECT system_identifier FROM {store.Schema}.tb_store_info");
        Assert.That(recorded, Is.EqualTo(await Database.ScalarAsync<long>("SELECT (pg_control_system()).system_identifier")));
        Assert.That(await Database.ScalarAsync<int>($"SELECT timeline_id FROM {store.Schema}.tb_store_info"), Is.Not.EqualTo(7));
    }

    /// <summary>
    /// A dump restored into a new cluster keeps its tx_ids while the new cluster's counter starts
    /// low. Writing one event with a far-future tx_id reproduces that state.
    /// </summary>
    private async Task<long> SimulateRestoreWithTransactionIdsFromTheFuture(string schema, long futureTxId)
    {
        var created = TestEvents.Created();
        return await Database.ScalarAsync<long>(
            $$"""
            INSERT INTO {{schema}}.tb_events (id, stream_id, event_type, event_version, event_data, tx_id)
            VALUES (gen_random_uuid(), gen_random_uuid(), 'USER_CREATED', 1,
                    '{"user_id": "{{created.UserId}}", "name": "restored", "email": "r@example.com"}', {{futureTxId}})
            RETURNING global_position
            """);
    }

    private PostgresEventStore Reopen(string schema) =>
        new(Database.DataSource, TestEvents.Options(), new PostgresEventStoreOptions { Schema = schema });
}
