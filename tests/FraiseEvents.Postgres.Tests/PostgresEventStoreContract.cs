using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// The contract on PostgreSQL, with natural write batching off (every append alone, so the race
/// tests can hold every writer at one point inside the server) and on (the default: concurrent
/// appends of one store share round trips and transactions, which must change no outcome).
/// </summary>
[TestFixture(false, TestName = "PostgresEventStoreContract(appends alone)")]
[TestFixture(true, TestName = "PostgresEventStoreContract(appends batched)")]
public sealed class PostgresEventStoreContract(bool batching) : EventStoreContract
{
    private readonly Fixture _fixture = new(batching);

    [OneTimeSetUp]
    public Task SetUpAsync() => _fixture.CreateDatabaseAsync();

    [OneTimeTearDown]
    public Task TearDownAsync() => _fixture.DropDatabaseAsync();

    protected override async Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null) =>
        await _fixture.CreateStoreAsync(configure);

    // Batched, the writers after the first wait in the store's queue, not in the server: they are
    // released together there and decide one after the other in one transaction.
    protected override Task<Exception?[]> RaceAsync(IEventStore store, int writers, Func<int, Task> write) =>
        batching ? base.RaceAsync(store, writers, write) : _fixture.RaceAsync((PostgresEventStore)store, writers, write);

    private sealed class Fixture(bool batching) : PostgresFixture
    {
        public Task<PostgresEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure) =>
            NewStoreAsync(configure, configurePostgres: o => o.BatchConcurrentAppends = batching);

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
