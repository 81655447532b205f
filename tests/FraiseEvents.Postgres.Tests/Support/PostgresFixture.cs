using FraiseEvents.Conformance;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests.Support;

/// <summary>Gives a fixture its own database and makes stores in fresh schemas of it.</summary>
public abstract class PostgresFixture
{
    private readonly List<PostgresEventStore> _stores = [];
    private int _schemaCounter;

    protected TestDatabase Database { get; private set; } = null!; // set in OneTimeSetUp before any test

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => Database = await TestDatabase.CreateAsync(GetType().Name);

    [OneTimeTearDown]
    public async Task DropDatabaseAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await Database.DisposeAsync();
    }

    /// <summary>
    /// Ordering, not timing: returns once <paramref name="operation"/> has finished or its backend
    /// (<paramref name="pid"/>) waits for a lock; fails if neither happens.
    /// </summary>
    protected async Task WaitUntilDoneOrWaitingForLockAsync(Task operation, int pid)
    {
        for (var attempt = 0; attempt < 2000 && !operation.IsCompleted; attempt++)
        {
            if (await Database.ScalarAsync<bool>($"SELECT coalesce((SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = {pid}), false)"))
            {
                return;
            }

            await Task.Delay(5);
        }

        Assert.That(operation.IsCompleted, Is.True, $"backend {pid} neither finished nor waited for a lock");
    }

    /// <summary>
    /// The commands Npgsql sent to this fixture's database while <paramref name="action"/> ran: one
    /// activity per round trip, without the notifications stores send after appends.
    /// </summary>
    /// <remarks>Listens to Npgsql's activities process-wide: a test that uses it must be <c>[NonParallelizable]</c>.</remarks>
    protected async Task<int> RoundTripsAsync(Func<Task> action)
    {
        var count = 0;
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) =>
                System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                // The notification of other processes (fe_notify_log) goes out after an append returned,
                // on a connection of its own: not a round trip the append waits for, and it may land
                // in the next action's window, so it is not counted.
                if (Equals(activity.GetTagItem("db.namespace") ?? activity.GetTagItem("db.name"), Database.Name)
                    && !((activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) as string ?? "").Contains("fe_notify_log", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref count);
                }
            },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await action();
        return count;
    }

    protected string NewSchemaName() => $"s{Interlocked.Increment(ref _schemaCounter)}";

    /// <summary>A store in a new schema of the fixture's database, with the test events registered and migrations applied.</summary>
    protected async Task<PostgresEventStore> NewStoreAsync(Action<EventStoreOptions>? configure = null, string? schema = null,
        Action<PostgresEventStoreOptions>? configurePostgres = null)
    {
        var options = TestEvents.Options(configure);
        var postgresOptions = new PostgresEventStoreOptions { Schema = schema ?? NewSchemaName() };
        configurePostgres?.Invoke(postgresOptions);
        var store = new PostgresEventStore(Database.DataSource, options, postgresOptions);
        lock (_stores)
        {
            _stores.Add(store);
        }

        await store.InitializeAsync();
        return store;
    }
}
