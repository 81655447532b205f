using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Projections;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Projections;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// The projection daemon against PostgreSQL's own hazards: commits out of order, stops at any point
/// of a batch, two processes contending for one projection, a runner whose checkpoint was moved under
/// it, rows the library cannot read. These tests hold transactions open (which holds back every
/// reader of the cluster) and terminate backends, so they run alone.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AsyncProjectionTests : PostgresFixture
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static ProjectionDaemonOptions Fast(int batchSize = 50) => new()
    {
        PollInterval = TimeSpan.FromMilliseconds(10), RetryDelay = TimeSpan.FromMilliseconds(1),
        LeaseRetryInterval = TimeSpan.FromMilliseconds(50), MaxRetries = 2, BatchSize = batchSize,
    };

    /// <summary>A store with the async <see cref="AppliedEvents"/> projection and its table (a primary key per event id: applying one twice fails).</summary>
    private async Task<PostgresEventStore> StoreWithAppliedEventsAsync(Action<EventStoreOptions>? more = null)
    {
        var schema = NewSchemaName();
        var store = await NewStoreAsync(o =>
        {
            o.Projections.Add(new AppliedEvents());
            more?.Invoke(o);
        }, schema);
        await Database.ExecuteAsync($"CREATE TABLE \"{schema}\".applied_events (seq bigserial, event_id uuid PRIMARY KEY)");
        return store;
    }

    private Task<List<Guid>> AppliedAsync(PostgresEventStore store) => ListAsync<Guid>($"SELECT event_id FROM \"{store.Schema}\".applied_events ORDER BY seq");

    private async Task<List<T>> ListAsync<T>(string sql)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<T>();
        while (await reader.ReadAsync())
        {
            list.Add(reader.GetFieldValue<T>(0));
        }

        return list;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"waited in vain for {what}");
            await Task.Delay(5);
        }
    }

    [Test]
    public async Task Commits_out_of_order_are_each_applied_once_in_commit_order()
    {
        var store = await StoreWithAppliedEventsAsync();
        await using var daemon = new ProjectionDaemon(store, Fast());
        await daemon.StartAsync();
        await using var early = await RawAppender.BeginAsync(Database.DataSource, store.Schema);
        await using var late = await RawAppender.BeginAsync(Database.DataSource, store.Schema);
        await early.TakeTransactionIdAsync();
        await late.TakeTransactionIdAsync();

        var lateEvent = await late.AppendAsync();     // the lower position, committed last
        var earlyEvent = await early.AppendAsync();   // the higher position, committed first
        await early.CommitAsync();
        await WaitUntilAsync(async () => (await AppliedAsync(store)).Count == 1, "the first commit to be applied");
        var afterFirst = await AppliedAsync(store);
        await late.CommitAsync();
        await WaitUntilAsync(async () => (await AppliedAsync(store)).Count == 2, "the late commit to be applied");

        Assert.That(lateEvent.GlobalPosition, Is.LessThan(earlyEvent.GlobalPosition), "the scenario needs the late commit to hold the lower position");
        Assert.That(afterFirst, Is.EqualTo(new[] { earlyEvent.EventId }));
        Assert.That(await AppliedAsync(store), Is.EqualTo(new[] { earlyEvent.EventId, lateEvent.EventId }));
        Assert.That(daemon.GetStatus(AppliedEvents.ProjectionName).Fault, Is.Null);
    }

    [Test]
    public async Task Every_event_takes_effect_once_however_often_the_daemon_is_stopped_mid_batch()
    {
        var store = await StoreWithAppliedEventsAsync(o => o.Projections.Add<UserDocumentProjection>().Add<AsyncUserDocumentProjection>());
        var random = new Random(20261202);
        var streams = new List<StreamId>();
        var appending = Task.Run(async () =>
        {
            for (var s = 0; s < 60; s++)
            {
                var id = StreamId.New();
                lock (streams)
                {
                    streams.Add(id);
                }

                var result = await store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(id.Value, $"U{s}", $"u{s}@example.com"))]);
                for (var u = 0; u < 3; u++)
                {
                    result = await store.AppendAsync(id, ExpectedVersion.Exactly(result.NextExpectedVersion.Value),
                        [new NewEvent(new UserUpdated(id.Value, Name: $"U{s}.{u}")), new NewEvent(new MeasurementTaken(u))]);
                }
            }
        });

        for (var run = 0; run < 20; run++)
        {
            var daemon = new ProjectionDaemon(store, Fast(batchSize: 1 + random.Next(8)));
            await daemon.StartAsync();
            await Task.Delay(random.Next(0, 40));
            if (run % 3 == 0)
            {
                await daemon.StopAsync();   // graceful: the batch in flight commits
            }
            else
            {
                // Abandoned at a random point: the batch in flight is cancelled, and rolled back.
                using var abort = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(0, 3)));
                await daemon.StopAsync(abort.Token);
            }

            Assert.That(daemon.Statuses.Select(s => s.Fault), Is.All.Null, $"run {run}");
        }

        await appending;
        var end = (await store.ReadAllAsync(LogPosition.Start, 100_000).ToListAsync())[^1].LogPosition;
        await using var last = new ProjectionDaemon(store, Fast());
        await last.StartAsync();
        await last.WaitForProjectionAsync(AppliedEvents.ProjectionName, end, Patience);
        await last.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, end, Patience);

        var log = await store.ReadAllAsync(LogPosition.Start, 100_000).ToListAsync();
        Assert.That(await AppliedAsync(store), Is.EqualTo(log.Select(e => e.EventId)), "every event once, in log order");
        foreach (var id in streams)
        {
            var inline = await store.LoadAsync<UserDocument>(id);
            var built = await store.LoadAsync<AsyncUserDocument>(id);
            Assert.That(new UserDocument(built!.Name, built.Email, built.Changes), Is.EqualTo(inline), $"stream {id}");
        }

        var positions = await ListAsync<long>($"SELECT global_position FROM \"{store.Schema}\".proj_user_doc_async ORDER BY id");
        var expected = await ListAsync<long>($"SELECT max(global_position) FROM \"{store.Schema}\".tb_events e "
            + $"WHERE e.event_type IN ('USER_CREATED', 'USER_UPDATED') GROUP BY e.stream_id ORDER BY e.stream_id");
        Assert.That(positions, Is.EqualTo(expected), "each document records the global position of the last event applied to it");
    }

    [Test]
    public async Task Two_daemons_over_separate_data_sources_never_both_run_a_projection_and_fail_over_when_the_lock_session_dies()
    {
        var store = await StoreWithAppliedEventsAsync();
        await using var otherSource = NpgsqlDataSource.Create(Database.ConnectionString);
        await using var otherStore = new PostgresEventStore(otherSource, TestEvents.Options(o => o.Projections.Add(new AppliedEvents())),
            new PostgresEventStoreOptions { Schema = store.Schema });
        // The first checks its lock and contends again slowly, as a holder whose process died would not
        // contend at all; the second tries every 50 ms.
        var slow = Fast();
        slow.LeaseRetryInterval = TimeSpan.FromSeconds(1);
        await using var first = new ProjectionDaemon(store, slow);
        await using var second = new ProjectionDaemon(otherStore, Fast());
        await first.StartAsync();
        await WaitUntilAsync(() => Task.FromResult(first.GetStatus(AppliedEvents.ProjectionName).State == ProjectionState.Live), "the first daemon to lead");
        await second.StartAsync();
        await WaitUntilAsync(() => Task.FromResult(second.GetStatus(AppliedEvents.ProjectionName).State == ProjectionState.Standby), "the second to stand by");

        // Watch the second daemon's state throughout: it must never leave Standby while the first holds the lock.
        var seen = new HashSet<ProjectionState>();
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                seen.Add(second.GetStatus(AppliedEvents.ProjectionName).State);
                await Task.Yield();
            }
        });
        for (var i = 0; i < 10; i++)
        {
            await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(2));
        }

        var tenth = (await store.ReadAllAsync(LogPosition.Start, 1000).ToListAsync())[^1].LogPosition;
        await first.WaitForProjectionAsync(AppliedEvents.ProjectionName, tenth, Patience);
        await WaitUntilAsync(() => Task.FromResult(first.GetStatus(AppliedEvents.ProjectionName).State == ProjectionState.Live), "the first to be live");
        await watching.CancelAsync();
        await watcher;
        Assert.That(seen, Is.EquivalentTo(new[] { ProjectionState.Standby }), "the second daemon never ran the projection");
        Assert.That(second.GetStatus(AppliedEvents.ProjectionName).EventsApplied, Is.Zero);

        // The holder's lock session ends (its process died, or a DBA terminated it): the other takes over.
        var holder = await LockHolderAsync(store.Schema, AppliedEvents.ProjectionName);
        await Database.ExecuteAsync($"SELECT pg_terminate_backend({holder})");
        await WaitUntilAsync(() => Task.FromResult(second.GetStatus(AppliedEvents.ProjectionName).State is ProjectionState.Live or ProjectionState.CatchingUp),
            "the second daemon to take the projection over");
        // The first finds out at its next check of the lock (or when the second's commit fences it).
        await WaitUntilAsync(() => Task.FromResult(first.GetStatus(AppliedEvents.ProjectionName).State == ProjectionState.Standby), "the first daemon to step down");
        var after = await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(3));
        await second.WaitForProjectionAsync(AppliedEvents.ProjectionName, after.LogPosition, Patience);
        Assert.That(second.GetStatus(AppliedEvents.ProjectionName).EventsApplied, Is.GreaterThan(0), "the second daemon applies the events now");
        Assert.That(await LockHolderAsync(store.Schema, AppliedEvents.ProjectionName), Is.Not.EqualTo(holder));

        // A graceful stop of the new holder hands the projection back.
        await second.StopAsync();
        var final = await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1));
        await first.WaitForProjectionAsync(AppliedEvents.ProjectionName, final.LogPosition, Patience);
        var log = await store.ReadAllAsync(LogPosition.Start, 1000).ToListAsync();
        Assert.That(await AppliedAsync(store), Is.EqualTo(log.Select(e => e.EventId)), "every event once, whoever applied it");
        Assert.That(first.Statuses.Concat(second.Statuses).Select(s => s.Fault), Is.All.Null);
    }

    [Test]
    public async Task A_runner_whose_checkpoint_was_moved_under_it_has_its_batch_rolled_back()
    {
        var store = await StoreWithAppliedEventsAsync();
        var first = await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1));
        // Another runner claims the first event: its transaction moves the checkpoint past it and stays open.
        await using var other = await Database.DataSource.OpenConnectionAsync();
        await using var claim = await other.BeginTransactionAsync();
        await using (var move = new NpgsqlCommand($"SELECT \"{store.Schema}\".advance_checkpoint($1, 0, 0, $2, $3)", other, claim))
        {
            move.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "projection:" + AppliedEvents.ProjectionName });
            move.Parameters.Add(new NpgsqlParameter<long> { TypedValue = first.LogPosition.TransactionId });
            move.Parameters.Add(new NpgsqlParameter<long> { TypedValue = first.LogPosition.GlobalPosition });
            Assert.That(await move.ExecuteScalarAsync(), Is.True);
        }

        await using var zombie = new ProjectionDaemon(store, Fast());
        await zombie.StartAsync();
        // The zombie read the checkpoint before the claim commits, applied the first event, and now waits on the checkpoint's row.
        await WaitUntilAsync(() => Database.ScalarAsync<bool>(
            $"SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%fe_advance_projection%')"),
            "the daemon's batch to wait for the checkpoint's row");
        await claim.CommitAsync();
        var secondEvent = new NewEvent(TestEvents.Created());
        var second = await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [secondEvent]);
        await zombie.WaitForProjectionAsync(AppliedEvents.ProjectionName, second.LogPosition, Patience);

        Assert.That(await AppliedAsync(store), Is.EqualTo(new[] { secondEvent.EventId }),
            "the first event's batch was rolled back: the runner that moved the checkpoint owns it");
        Assert.That(zombie.GetStatus(AppliedEvents.ProjectionName).Fault, Is.Null, "it gave the projection up, then took it again from the moved checkpoint");
    }

    [Test]
    public async Task A_stored_row_the_projection_cannot_read_faults_it_naming_the_event_and_is_not_skipped()
    {
        var store = await NewStoreAsync(o => o.Projections.Add<AsyncUserDocumentProjection>());
        var good = StreamId.New();
        await store.AppendAsync(good, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(good.Value, "Ada", "ada@example.com"))]);
        var bad = StreamId.New();
        await Database.ExecuteAsync($"SELECT \"{store.Schema}\".append_event('{bad}', 'USER_CREATED', '{{\"user_id\": \"not a uuid\", \"name\": \"B\", \"email\": \"b@x\"}}')");
        var after = await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [new NewEvent(new MeasurementTaken(1))]);
        await using var daemon = new ProjectionDaemon(store, Fast());
        await daemon.StartAsync();

        var ex = Assert.ThrowsAsync<ProjectionWaitTimeoutException>(() =>
            daemon.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, after.LogPosition, Patience));
        var fault = daemon.GetStatus(AsyncUserDocumentProjection.ProjectionName).Fault;
        Assert.That(ex!.Fault, Is.SameAs(fault));
        Assert.That(fault!.StreamId, Is.EqualTo(bad));
        Assert.That(fault.EventType, Is.EqualTo("USER_CREATED"));
        Assert.That(fault.Error, Is.InstanceOf<EventSerializationException>());
        Assert.That(fault.Message, Does.Contain(bad.ToString()).And.Contain(fault.Position!.Value.ToString()));
        Assert.That(await store.LoadAsync<AsyncUserDocument>(good), Is.Not.Null, "the events before it are applied");
        Assert.That(await store.ReadCheckpointAsync("projection:" + AsyncUserDocumentProjection.ProjectionName), Is.LessThan(fault.Position.Value));
    }

    /// <summary>The backend holding a projection's session lock (the key of fe_try_lock_projection in 0011).</summary>
    private Task<int> LockHolderAsync(string schema, string projection) => Database.ScalarAsync<int>($"""
        SELECT pid FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 2
          AND classid = (hashtext('fraiseevents.projection_daemon')::bigint & 4294967295)::oid
          AND objid = (hashtext('{schema}.{projection}')::bigint & 4294967295)::oid
        """);

    /// <summary>Records each event id it is given in <c>applied_events</c>, whose primary key refuses one applied twice.</summary>
    private sealed class AppliedEvents : SqlProjection
    {
        public const string ProjectionName = "applied";

        public AppliedEvents()
            : base(ProjectionName, ProjectionLifecycle.Async)
        {
            Handles<UserCreated>();
            Handles<UserUpdated>();
            Handles<UserDeleted>();
            Handles<MeasurementTaken>();
        }

        public override ValueTask ProjectAsync(IReadOnlyList<ProjectedEvent> events, IProjectionWriter writer, CancellationToken cancellationToken)
        {
            foreach (var e in events)
            {
                writer.Execute("INSERT INTO applied_events (event_id) VALUES ($1)", e.EventId);
            }

            return ValueTask.CompletedTask;
        }
    }
}
