using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class PostgresEventStoreContract : EventStoreContract
{
    private readonly Fixture _fixture = new();

    [OneTimeSetUp]
    public Task SetUpAsync() => _fixture.CreateDatabaseAsync();

    [OneTimeTearDown]
    public Task TearDownAsync() => _fixture.DropDatabaseAsync();

    protected override async Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null) =>
        await _fixture.CreateStoreAsync(configure);

    protected override Task<Exception?[]> RaceAsync(IEventStore store, int writers, Func<int, Task> write) =>
        _fixture.RaceAsync((PostgresEventStore)store, writers, write);

    private sealed class Fixture : PostgresFixture
    {
        public Task<PostgresEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure) => NewStoreAsync(configure);

        /// <summary>
        /// Holds an exclusive lock on the store's tb_streams while the writers start, waits until
        /// every one of them has sent its append and is blocked on that lock, then lets them all
        /// go at once. Every append reads or writes tb_streams before it decides anything, with or
        /// without the stream lock, so they all decide at the same moment on warm connections.
        /// </summary>
        public async Task<Exception?[]> RaceAsync(PostgresEventStore store, int writers, Func<int, Task> write)
        {
            await using var gate = await Database.DataSource.OpenConnectionAsync();
            await using var transaction = await gate.BeginTransactionAsync();
            await using (var lockTable = new NpgsqlCommand($"LOCK TABLE {store.Schema}.tb_streams IN ACCESS EXCLUSIVE MODE", gate, transaction))
            {
                await lockTable.ExecuteNonQueryAsync();
            }

            var race = Concurrently.Run(writers, write);
            var held = 0L;
            for (var attempt = 0; attempt < 1000 && held < writers && !race.IsCompleted; attempt++)
            {
                // Asked on another connection: within one transaction pg_stat_activity keeps its first answer.
                held = await Database.ScalarAsync<long>($"SELECT count(*) FROM pg_stat_activity WHERE {gate.ProcessID} = ANY (pg_blocking_pids(pid))");
                if (held < writers)
                {
                    await Task.Delay(10);
                }
            }

            await transaction.CommitAsync();
            var outcomes = await race;
            Assert.That(held, Is.EqualTo(writers), "every writer should have been held at the gate before any of them went on");
            return outcomes;
        }
    }
}
