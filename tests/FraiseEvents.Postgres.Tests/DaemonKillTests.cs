using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Projections;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Projections;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// The daemon killed 50 times at random points while appends go on, each time as a process would
/// die: its token cancelled mid-batch, or every connection of its own data source terminated by the
/// server (<c>pg_terminate_backend</c>), then a new "process" (data source, store and daemon)
/// started. Whatever was in flight, the final read models are exact and every event was applied once.
/// </summary>
[TestFixture]
[NonParallelizable] // terminates backends and reads the global log, which parallel tests' open transactions would hold back
public sealed class DaemonKillTests : PostgresFixture
{
    private const string DaemonApplication = "fraiseevents-daemon-kill-test";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Test]
    public async Task Killed_fifty_times_by_cancellation_or_terminated_connections_the_daemon_leaves_exact_read_models()
    {
        var schema = NewSchemaName();
        var appender = await NewStoreAsync(o => o.Projections.Add(new CountedEvents()).Add<UserDocumentProjection>().Add<AsyncUserDocumentProjection>(), schema);
        await Database.ExecuteAsync(CountedEvents.CreateTableSql(schema));
        var daemonConnection = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { ApplicationName = DaemonApplication }.ConnectionString;
        var random = new Random(20261203);
        var streams = new List<StreamId>();
        var appending = Task.Run(async () =>
        {
            for (var s = 0; s < 100; s++)
            {
                var id = StreamId.New();
                lock (streams)
                {
                    streams.Add(id);
                }

                var result = await appender.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(id.Value, $"U{s}", $"u{s}@example.com"))]);
                for (var u = 0; u < 3; u++)
                {
                    result = await appender.AppendAsync(id, ExpectedVersion.Exactly(result.NextExpectedVersion.Value),
                        [new NewEvent(new UserUpdated(id.Value, Name: $"U{s}.{u}")), new NewEvent(new MeasurementTaken(u))]);
                }

                await Task.Delay(2);
            }
        });

        var terminated = 0;
        for (var run = 0; run < 50; run++)
        {
            // A new process: its own pool, store and daemon.
            await using var dataSource = NpgsqlDataSource.Create(daemonConnection);
            await using var store = new PostgresEventStore(dataSource,
                TestEvents.Options(o => o.Projections.Add(new CountedEvents()).Add<UserDocumentProjection>().Add<AsyncUserDocumentProjection>()),
                new PostgresEventStoreOptions { Schema = schema });
            var daemon = new ProjectionDaemon(store, new ProjectionDaemonOptions
            {
                PollInterval = TimeSpan.FromMilliseconds(10), RetryDelay = TimeSpan.FromMilliseconds(1),
                LeaseRetryInterval = TimeSpan.FromMilliseconds(50), MaxRetries = 2, BatchSize = 1 + random.Next(12),
            });
            await daemon.StartAsync();
            await Task.Delay(random.Next(0, 50));
            if (run % 2 == 0)
            {
                // The server ends every session of the process: the lock's and the batch's, mid-statement or idle.
                terminated += await Database.ScalarAsync<int>(
                    $"SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity WHERE application_name = '{DaemonApplication}'");
            }

            // Whatever is left of the process stops without waiting: the batch in flight, if any, is abandoned.
            using var abort = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(0, 3)));
            await daemon.StopAsync(abort.Token);
            await daemon.DisposeAsync();
        }

        Assert.That(terminated, Is.GreaterThan(0), "some runs must have had their sessions terminated");
        await appending;
        var log = await appender.ReadAllAsync(LogPosition.Start, 100_000).ToListAsync();
        await using var survivor = new ProjectionDaemon(appender, new ProjectionDaemonOptions { PollInterval = TimeSpan.FromMilliseconds(10) });
        await survivor.StartAsync();
        await survivor.WaitForProjectionAsync(CountedEvents.ProjectionName, log[^1].LogPosition, Patience);
        await survivor.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, log[^1].LogPosition, Patience);

        var counted = new List<Guid>();
        await using (var command = Database.DataSource.CreateCommand(CountedEvents.SelectInOrderSql(schema)))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                counted.Add(reader.GetGuid(0));
            }
        }

        Assert.That(counted, Is.EqualTo(log.Select(e => e.EventId)), "every event applied once, in log order");
        foreach (var id in streams)
        {
            var inline = await appender.LoadAsync<UserDocument>(id);
            var built = await appender.LoadAsync<AsyncUserDocument>(id);
            Assert.That(new UserDocument(built!.Name, built.Email, built.Changes), Is.EqualTo(inline), $"stream {id}");
        }
    }
}
