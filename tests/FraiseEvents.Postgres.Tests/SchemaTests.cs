using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class SchemaTests : PostgresFixture
{
    [TestCase("UPDATE {0}.tb_events SET event_type = 'CHANGED'")]
    [TestCase("UPDATE {0}.tb_events SET event_type = 'CHANGED' WHERE false")]
    [TestCase("DELETE FROM {0}.tb_events")]
    [TestCase("TRUNCATE {0}.tb_events")]
    public async Task The_event_log_rejects_every_change_to_stored_events(string statement)
    {
        var store = await NewStoreAsync();
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(2));

        var error = Assert.ThrowsAsync<PostgresException>(() => Database.ExecuteAsync(string.Format(
            System.Globalization.CultureInfo.InvariantCulture, statement, store.Schema)));

        Assert.That(error!.SqlState, Is.EqualTo("FE004"));
        Assert.That(error.MessageText, Does.Contain("append-only"));
        Assert.That(await Database.ScalarAsync<long>($"SELECT count(*) FROM {store.Schema}.tb_events"), Is.EqualTo(2));
    }

    // A deleted stream row made the next append see "no stream" beside the stream's events, and fail
    // with contradictory errors. (Updates are refused by privileges: only the owner's functions write.)
    [TestCase("DELETE FROM {0}.tb_streams")]
    [TestCase("DELETE FROM {0}.tb_streams WHERE false")]
    [TestCase("TRUNCATE {0}.tb_streams")]
    public async Task Streams_are_never_deleted(string statement)
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(2), new AppendOptions { StreamType = "User" });

        var error = Assert.ThrowsAsync<PostgresException>(() => Database.ExecuteAsync(string.Format(
            System.Globalization.CultureInfo.InvariantCulture, statement, store.Schema)));
        var next = await store.AppendAsync(streamId, ExpectedVersion.Exactly(2), TestEvents.Batch(1));

        Assert.That(error!.SqlState, Is.EqualTo("FE004"));
        Assert.That(next.NextExpectedVersion, Is.EqualTo(new StreamVersion(3)), "the stream is intact");
    }

    [Test]
    public async Task Ten_processes_applying_migrations_at_once_apply_each_exactly_once()
    {
        var schema = NewSchemaName();
        var stores = Enumerable.Range(0, 10)
            .Select(_ => new PostgresEventStore(Database.DataSource, postgresOptions: new PostgresEventStoreOptions { Schema = schema }))
            .ToArray();

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = stores.Select(async store =>
        {
            await start.Task;
            return await store.Migrations.ApplyAsync();
        }).ToArray();
        start.SetResult();
        var applied = await Task.WhenAll(runs);

        var migrations = stores[0].Migrations.All;
        Assert.That(applied.Sum(a => a.Count), Is.EqualTo(migrations.Count));
        Assert.That(applied.SelectMany(a => a).Select(m => m.Version), Is.EquivalentTo(migrations.Select(m => m.Version)));
        Assert.That(await stores[3].Migrations.GetAppliedVersionsAsync(), Is.EqualTo(migrations.Select(m => m.Version)));
        Assert.That(await stores[5].Migrations.ApplyAsync(), Is.Empty);
    }

    [Test]
    public async Task The_migration_files_apply_unchanged_with_psql_twice_and_the_library_accepts_the_result()
    {
        await using var database = await TestDatabase.CreateAsync("psql");
        var files = Directory.GetFiles(Path.Combine(TestContext.CurrentContext.TestDirectory, "migrations"), "*.sql").Order().ToArray();
        Assert.That(files, Is.Not.Empty);

        for (var round = 0; round < 2; round++)
        {
            foreach (var file in files)
            {
                var (exitCode, output) = await Psql.RunFileAsync(database.ConnectionString, file);
                Assert.That(exitCode, Is.EqualTo(0), $"psql -f {Path.GetFileName(file)} failed:\n{output}");
            }
        }

        await using var store = new PostgresEventStore(database.DataSource, TestEvents.Options(),
            new PostgresEventStoreOptions { ApplyMigrationsOnStartup = false });
        await store.InitializeAsync();
        var result = await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1));

        Assert.That(result.NextExpectedVersion, Is.EqualTo(new StreamVersion(1)));
        Assert.That(await store.Migrations.GetAppliedVersionsAsync(), Is.EqualTo(store.Migrations.All.Select(m => m.Version)));
    }

    [Test]
    public async Task Two_stores_in_two_schemas_of_one_database_do_not_see_each_other()
    {
        var first = await NewStoreAsync();
        var second = await NewStoreAsync();
        var streamId = await AppendOne(first);

        Assert.That(await second.GetStreamStateAsync(streamId), Is.Null);
        Assert.That(await first.GetStreamStateAsync(streamId), Is.Not.Null);
        Assert.That(await second.ReadAllAsync(LogPosition.Start).ToListAsync(), Is.Empty);
    }

    [Test]
    public async Task A_store_that_may_not_migrate_refuses_a_missing_or_outdated_schema_and_says_what_to_do()
    {
        var missing = new PostgresEventStore(Database.DataSource, TestEvents.Options(),
            new PostgresEventStoreOptions { Schema = NewSchemaName(), ApplyMigrationsOnStartup = false });
        var outdated = await NewStoreAsync();
        var latest = outdated.Migrations.All[^1].Version;
        await Database.ExecuteAsync($"DELETE FROM {outdated.Schema}.tb_schema_migrations WHERE version > 1");
        var outdatedReopened = new PostgresEventStore(Database.DataSource, TestEvents.Options(),
            new PostgresEventStoreOptions { Schema = outdated.Schema, ApplyMigrationsOnStartup = false });

        var missingError = Assert.ThrowsAsync<EventStoreConfigurationException>(() => missing.InitializeAsync());
        var outdatedError = Assert.ThrowsAsync<EventStoreConfigurationException>(() => outdatedReopened.InitializeAsync());

        Assert.That(missingError!.Message, Does.Contain("Migrations.ApplyAsync"));
        Assert.That(outdatedError!.Message, Does.Contain("migration 1").And.Contain($"needs {latest}"));
    }

    [Test]
    public void An_invalid_schema_name_is_refused_before_any_SQL_is_built()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            _ = new PostgresEventStore(Database.DataSource, postgresOptions: new PostgresEventStoreOptions { Schema = "x\"; DROP TABLE y; --" }));

        Assert.That(error!.Message, Does.Contain("Schema"));
    }

    [TestCase("pg_catalog")]
    [TestCase("information_schema")]
    [TestCase("pg_toast")]
    [TestCase("pg_events")]
    [TestCase("PG_Catalog")]
    [TestCase("Information_Schema")]
    public void A_schema_name_reserved_for_PostgreSQL_is_refused_before_any_SQL_is_built(string schema)
    {
        var error = Assert.Throws<ArgumentException>(() => new PostgresEventStoreOptions { Schema = schema }.Validate());
        var viaStore = Assert.Throws<ArgumentException>(() =>
            _ = new PostgresEventStore(Database.DataSource, postgresOptions: new PostgresEventStoreOptions { Schema = schema }));

        Assert.That(error!.Message, Does.Contain("reserved").And.Contain(schema));
        Assert.That(viaStore!.Message, Does.Contain("reserved"));
        Assert.DoesNotThrow(() => new PostgresEventStoreOptions { Schema = "events_pg_" }.Validate());
    }

    [Test]
    public async Task A_store_from_before_0013_keeps_its_events_and_ends_with_only_the_indexes_its_queries_need()
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(3));
        // The event table as 0001 and 0003 left it before 0013.
        await Database.ExecuteAsync(
            $"""
            DROP INDEX {store.Schema}.idx_events_id;
            ALTER TABLE {store.Schema}.tb_events ADD CONSTRAINT uq_tb_events_stream_event_id UNIQUE (stream_id, id);
            CREATE INDEX idx_events_global_position ON {store.Schema}.tb_events (global_position);
            CREATE INDEX idx_events_type ON {store.Schema}.tb_events (event_type);
            CREATE INDEX idx_events_created_by ON {store.Schema}.tb_events (created_by, created_at, global_position) WHERE created_by IS NOT NULL;
            DELETE FROM {store.Schema}.tb_schema_migrations WHERE version = 13;
            """);

        var applied = await store.Migrations.ApplyAsync();
        var indexes = await Database.ScalarAsync<string>(
            $"SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes WHERE schemaname = '{store.Schema}' AND tablename = 'tb_events'");

        Assert.That(applied.Select(m => m.Version), Is.EqualTo(new[] { 13 }));
        Assert.That(indexes, Is.EqualTo("idx_events_created_at idx_events_id idx_events_tx_position pk_tb_events"));
        Assert.That(await store.ReadStreamAsync(streamId).CountAsync(), Is.EqualTo(3));
        var appended = await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1));
        Assert.That(appended.NextExpectedVersion, Is.EqualTo(new StreamVersion(1)));
    }

    [Test]
    public async Task Every_unique_key_of_the_event_table_contains_the_stream_id()
    {
        var store = await NewStoreAsync();

        var uniqueKeys = await Database.ScalarAsync<long>(
            $"SELECT count(*) FROM pg_index WHERE indrelid = '{store.Schema}.tb_events'::regclass AND indisunique");
        var withStreamId = await Database.ScalarAsync<long>(
            $"""
            SELECT count(*) FROM pg_index x
            WHERE x.indrelid = '{store.Schema}.tb_events'::regclass AND x.indisunique
              AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey) AND a.attname = 'stream_id')
            """);

        Assert.That(uniqueKeys, Is.EqualTo(1), "the primary key; event ids are kept unique within a stream by the append under the stream's lock (0013)");
        Assert.That(withStreamId, Is.EqualTo(uniqueKeys));
    }

    [Test]
    public async Task The_store_records_the_cluster_it_was_created_on()
    {
        var store = await NewStoreAsync();

        var recorded = await Database.ScalarAsync<long>($"SELECT system_identifier FROM {store.Schema}.tb_store_info");
        var actual = await Database.ScalarAsync<long>("SELECT (pg_control_system()).system_identifier");

        Assert.That(recorded, Is.EqualTo(actual));
    }

    private static async Task<StreamId> AppendOne(IEventStore store)
    {
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1));
        return streamId;
    }
}
