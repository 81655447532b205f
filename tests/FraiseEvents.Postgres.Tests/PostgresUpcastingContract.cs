using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class PostgresUpcastingContract : UpcastingContract
{
    private readonly Fixture _fixture = new();

    [OneTimeSetUp]
    public Task SetUpAsync() => _fixture.CreateDatabaseAsync();

    [OneTimeTearDown]
    public Task TearDownAsync() => _fixture.DropDatabaseAsync();

    protected override Task<(IEventStore Store, Func<Action<EventStoreOptions>, Task<IEventStore>> Reopen)> CreateStoreAsync(
        Action<EventStoreOptions> configure) => _fixture.CreateAsync(configure);

    [Test]
    [NonParallelizable] // reads the global log
    public async Task Rows_written_as_v1_with_plain_SQL_are_read_as_v3_on_every_read_path()
    {
        var (store, schema) = await _fixture.CreateCurrentAsync();
        var streamId = StreamId.New();
        await _fixture.ExecuteAsync(
            $$"""
            SELECT {{schema}}.append_event($1, 'USER_CREATED', '{"name": "Ada Lovelace", "email": "ada@example.com"}', p_schema_version => 1);
            SELECT {{schema}}.append_event($1, 'USER_SIGNED_UP', '{"full_name": "Grace Hopper", "mail": "grace@example.com"}', p_schema_version => 1);
            SELECT {{schema}}.append_event($1, 'USER_CREATED', '{"first_name": "Alan", "last_name": "Turing", "email": "alan@example.com"}', p_schema_version => 2);
            """, streamId.Value);
        UserCreatedV3[] expected =
        [
            UpcastingSetup.Expected("Ada Lovelace", "ada@example.com"),
            UpcastingSetup.Expected("Grace Hopper", "grace@example.com"),
            UpcastingSetup.Expected("Alan Turing", "alan@example.com"),
        ];

        var forwards = await store.ReadStreamAsync(streamId).Select(e => e.Data).ToListAsync();
        var backwards = await store.ReadStreamBackwardsAsync(streamId).Select(e => e.Data).ToListAsync();
        var log = await store.ReadAllAsync(LogPosition.Start).Select(e => e.Data).ToListAsync();

        Assert.That(forwards, Is.EqualTo(expected));
        Assert.That(backwards, Is.EqualTo(expected.Reverse()));
        Assert.That(log, Is.EqualTo(expected));
    }

    private sealed class Fixture : PostgresFixture
    {
        public async Task<(IEventStore, Func<Action<EventStoreOptions>, Task<IEventStore>>)> CreateAsync(Action<EventStoreOptions> configure)
        {
            var schema = NewSchemaName();
            var store = await Open(schema, configure);
            return (store, async reconfigure => await Open(schema, reconfigure));
        }

        public async Task<(IEventStore Store, string Schema)> CreateCurrentAsync()
        {
            var schema = NewSchemaName();
            return (await Open(schema, UpcastingSetup.Version3), schema);
        }

        /// <summary>Runs each line of <paramref name="sql"/> as its own statement, with the stream id as $1.</summary>
        public async Task ExecuteAsync(string sql, Guid streamId)
        {
            foreach (var statement in sql.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                await using var command = Database.DataSource.CreateCommand(statement);
                command.Parameters.Add(new NpgsqlParameter { Value = streamId });
                await command.ExecuteNonQueryAsync();
            }
        }

        private async Task<PostgresEventStore> Open(string schema, Action<EventStoreOptions> configure)
        {
            var options = new EventStoreOptions();
            configure(options);
            var store = new PostgresEventStore(Database.DataSource, options, new PostgresEventStoreOptions { Schema = schema });
            await store.InitializeAsync();
            return store;
        }
    }
}
