using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Projections;
using FraiseEvents.Subscriptions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests.Projections;

/// <summary>
/// What an operator sees of the log's consumers: the projection status' lag and hold-up, the
/// metrics, and the health check. Nothing here asserts a duration: the tests wait for states.
/// </summary>
[TestFixture]
[NonParallelizable] // holds a transaction open, which holds back every reader of the cluster
public sealed class ProjectionStatusAndHealthTests : PostgresFixture
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static ProjectionDaemonOptions Fast(int batchSize = 50, ILoggerFactory? logger = null) => new()
    {
        PollInterval = TimeSpan.FromMilliseconds(10), RetryDelay = TimeSpan.FromMilliseconds(1),
        LeaseRetryInterval = TimeSpan.FromMilliseconds(50), MaxRetries = 0, BatchSize = batchSize,
        HoldUpWarningAfter = TimeSpan.Zero, LoggerFactory = logger,
    };

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"waited in vain for {what}");
            await Task.Delay(5);
        }
    }

    private async Task<(PostgresEventStore Store, Recorder Recorder)> StoreAsync(Recorder? recorder = null)
    {
        recorder ??= new Recorder();
        var store = await NewStoreAsync(o => o.Projections.Add(recorder));
        return (store, recorder);
    }

    private static async Task<Guid[]> AppendAsync(PostgresEventStore store, int count)
    {
        var events = TestEvents.Batch(count);
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, events);
        return [.. events.Select(e => e.EventId)];
    }

    [Test]
    public async Task A_transaction_idle_in_its_session_shows_in_the_projection_status_with_its_process_and_age_and_nothing_is_skipped_when_it_ends()
    {
        var (store, recorder) = await StoreAsync();
        var logger = new CapturingLoggerFactory();
        var first = await AppendAsync(store, 1);
        await using var daemon = new ProjectionDaemon(store, Fast(logger: logger));
        await daemon.StartAsync();
        await WaitUntilAsync(() => recorder.Applied.Count == 1 && daemon.GetStatus(Recorder.ProjectionName).State == ProjectionState.Live, "the first event");

        var holder = await RawAppender.BeginAsync(Database.DataSource, store.Schema);
        await using var holderDisposal = holder;
        await holder.SetApplicationNameAsync("forgotten-batch-job");
        await holder.TakeTransactionIdAsync();
        var waiting = await AppendAsync(store, 1);

        await WaitUntilAsync(() => daemon.GetStatus(Recorder.ProjectionName).HoldUp?.ProcessId == holder.ProcessId, "the status to name the holder");
        var status = daemon.GetStatus(Recorder.ProjectionName);
        Assert.Multiple(() =>
        {
            Assert.That(status.State, Is.EqualTo(ProjectionState.Live));
            Assert.That(status.HoldUp!.ApplicationName, Is.EqualTo("forgotten-batch-job"));
            Assert.That(status.HoldUp.TransactionAge, Is.GreaterThanOrEqualTo(TimeSpan.Zero));
            Assert.That(status.ToString(), Does.Contain($"process {holder.ProcessId}"));
            Assert.That(recorder.Applied, Is.EqualTo(first), "the event committed behind the open transaction waits");
        });
        await WaitUntilAsync(() => logger.Entries.Any(e => e.EventId == 5060 && e.Message.Contains($"process {holder.ProcessId}", StringComparison.Ordinal)),
            "the warning naming the holder");

        var (late, _) = await holder.AppendAsync();
        await holder.CommitAsync();

        await WaitUntilAsync(() => recorder.Applied.Count == 3, "the held-back events");
        await WaitUntilAsync(() => daemon.GetStatus(Recorder.ProjectionName) is { HoldUp: null, EventsBehind: 0 }, "the status to clear");
        Assert.That(recorder.Applied, Is.EquivalentTo(first.Concat(waiting).Append(late)), "each event applied once, none skipped");
    }

    [Test]
    public async Task Lag_figures_and_the_health_check_show_a_projection_behind_and_clear_once_it_caught_up()
    {
        var (store, recorder) = await StoreAsync(new Recorder { GateAfter = 1 });
        await AppendAsync(store, 5);
        await using var daemon = new ProjectionDaemon(store, Fast(batchSize: 1));
        var lenient = new ProjectionHealthCheck(daemon, subscriptions: null);
        var strict = new ProjectionHealthCheck(daemon, subscriptions: null, new ProjectionHealthCheckOptions { MaxEventsBehind = 2 });
        await daemon.StartAsync();

        await WaitUntilAsync(() => daemon.GetStatus(Recorder.ProjectionName).EventsBehind is not null && recorder.Blocked, "the first batch and the gate");
        var behind = daemon.GetStatus(Recorder.ProjectionName);
        var degraded = await strict.CheckHealthAsync(new HealthCheckContext());
        var healthy = await lenient.CheckHealthAsync(new HealthCheckContext());
        Assert.Multiple(() =>
        {
            Assert.That(behind.EventsBehind, Is.EqualTo(4), "one of five applied");
            Assert.That(behind.TimeBehind, Is.GreaterThanOrEqualTo(TimeSpan.Zero));
            Assert.That(degraded.Status, Is.EqualTo(HealthStatus.Degraded));
            Assert.That(degraded.Description, Does.Contain($"'{Recorder.ProjectionName}' is 4 events behind (more than 2)"));
            Assert.That(healthy.Status, Is.EqualTo(HealthStatus.Healthy));
            Assert.That(healthy.Data.Keys, Is.EqualTo(new[] { "projection:" + Recorder.ProjectionName }));
        });

        recorder.Open();
        await WaitUntilAsync(() => daemon.GetStatus(Recorder.ProjectionName) is { State: ProjectionState.Live, EventsBehind: 0 }, "the projection to catch up");
        Assert.That(daemon.GetStatus(Recorder.ProjectionName).TimeBehind, Is.EqualTo(TimeSpan.Zero));
        Assert.That((await strict.CheckHealthAsync(new HealthCheckContext())).Status, Is.EqualTo(HealthStatus.Healthy));
    }

    [Test]
    public async Task A_faulted_projection_makes_the_health_check_unhealthy_naming_it_the_event_and_the_error()
    {
        var (store, _) = await StoreAsync(new Recorder { FailOn = 2 });
        var events = await AppendAsync(store, 3);
        await using var daemon = new ProjectionDaemon(store, Fast(batchSize: 1));
        var check = new ProjectionHealthCheck(daemon, subscriptions: null);
        await daemon.StartAsync();

        await WaitUntilAsync(() => daemon.GetStatus(Recorder.ProjectionName).State == ProjectionState.Faulted, "the fault");
        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(result.Description, Does.Contain(Recorder.ProjectionName).And.Contain(events[1].ToString()).And.Contain("projection refuses event 2"));
    }

    [Test]
    public async Task Projections_and_subscriptions_report_events_errors_lag_and_state_on_the_stores_meter()
    {
        var (store, recorder) = await StoreAsync();
        using var measurements = new MeasurementCollector($"{Database.Name}.{store.Schema}");
        await AppendAsync(store, 3);
        await using var daemon = new ProjectionDaemon(store, Fast());
        var handled = 0;
        await using var subscription = new Subscription("mailer", store, (_, _) =>
            ++handled == 3 ? throw new InvalidOperationException("no mail server") : ValueTask.CompletedTask,
            new SubscriptionOptions { MaxRetries = 0, PollInterval = TimeSpan.FromMilliseconds(10) });
        await daemon.StartAsync();
        await subscription.StartAsync();

        await WaitUntilAsync(() => daemon.GetStatus(Recorder.ProjectionName) is { State: ProjectionState.Live, EventsBehind: 0 }, "the projection to catch up");
        await WaitUntilAsync(() => subscription.Status.State == SubscriptionState.Faulted, "the subscription's fault");
        measurements.Observe();

        Assert.Multiple(() =>
        {
            Assert.That(measurements.Sum("fraiseevents.projection.events", "fraiseevents.projection.name", Recorder.ProjectionName), Is.EqualTo(3));
            Assert.That(measurements.Sum("fraiseevents.subscription.events", "fraiseevents.subscription.name", "mailer"), Is.EqualTo(2));
            var errors = measurements.Of("fraiseevents.subscription.errors");
            Assert.That(errors.Select(m => m.Tags["error.type"]), Is.EqualTo(new[] { typeof(InvalidOperationException).FullName }));
            Assert.That(measurements.Of("fraiseevents.projection.errors"), Is.Empty);
            Assert.That(measurements.Of("fraiseevents.projection.lag.events").Select(m => m.Value), Is.EqualTo(new[] { 0.0 }));
            Assert.That(measurements.Of("fraiseevents.projection.lag.seconds").Select(m => m.Value), Is.EqualTo(new[] { 0.0 }));
            Assert.That(measurements.Of("fraiseevents.projection.state").Select(m => m.Tags["fraiseevents.consumer.state"]), Is.EqualTo(new[] { "live" }));
            Assert.That(measurements.Of("fraiseevents.subscription.state").Select(m => m.Tags["fraiseevents.consumer.state"]),
                Is.EqualTo(new[] { "faulted" }));
        });

        await daemon.StopAsync();
        await subscription.StopAsync();
        measurements.Clear();
        measurements.Observe();
        Assert.That(measurements.Of("fraiseevents.projection.state").Concat(measurements.Of("fraiseevents.subscription.state")), Is.Empty,
            "stopped consumers are no longer observed");
    }

    [Test]
    public async Task A_standing_by_subscription_takes_over_when_the_holders_lock_session_is_terminated_and_nothing_is_skipped()
    {
        var store = await NewStoreAsync();
        var delivered = new ConcurrentQueue<Guid>();
        ValueTask Handle(RecordedEvent e, CancellationToken _)
        {
            delivered.Enqueue(e.EventId);
            return ValueTask.CompletedTask;
        }

        // The holder checks its lock seldom, the other tries often: the other takes the freed lock first.
        await using var holder = new Subscription("leader", store, Handle, new SubscriptionOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(10), LeaseRetryInterval = TimeSpan.FromSeconds(1), CheckpointAfterEvents = 1,
        });
        await using var standing = new Subscription("leader", store, Handle, new SubscriptionOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(10), LeaseRetryInterval = TimeSpan.FromMilliseconds(20), CheckpointAfterEvents = 1,
        });
        await holder.StartAsync();
        await standing.StartAsync();
        Assert.That(standing.Status.State, Is.EqualTo(SubscriptionState.Standby));
        var before = await AppendAsync(store, 2);
        await WaitUntilAsync(() => before.All(delivered.Contains), "the holder's deliveries");

        var killed = await LockHolderAsync(store.Schema, "subscription:leader");
        Assert.That(killed, Is.Not.Zero, "the holder's lock is in pg_locks");
        await Database.ExecuteAsync($"SELECT pg_terminate_backend({killed})");

        await WaitUntilAsync(() => standing.Status.State is SubscriptionState.Live or SubscriptionState.CatchingUp, "the take-over");
        await WaitUntilAsync(() => holder.Status.State == SubscriptionState.Standby, "the old holder to step down");
        var after = await AppendAsync(store, 2);
        await WaitUntilAsync(() => after.All(delivered.Contains), "the new holder's deliveries");
        Assert.That(await LockHolderAsync(store.Schema, "subscription:leader"), Is.Not.EqualTo(killed).And.Not.Zero);
        Assert.That(delivered.Distinct(), Is.SupersetOf(before.Concat(after)), "nothing skipped");
    }

    /// <summary>The backend holding a consumer's session lock (the key of fe_try_lock_projection in 0011); 0 when none.</summary>
    private Task<int> LockHolderAsync(string schema, string lockName) =>
        Database.ScalarAsync<int>($"""
            SELECT coalesce((SELECT pid FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND objsubid = 2
              AND classid = (hashtext('fraiseevents.projection_daemon')::bigint & 4294967295)::oid
              AND objid = (hashtext('{schema}.{lockName}')::bigint & 4294967295)::oid), 0)
            """);

    /// <summary>Records the event ids it applies; can hold every batch after the first few at a gate, or fail on one event.</summary>
    private sealed class Recorder : SqlProjection
    {
        public const string ProjectionName = "recorder";

        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _seen;

        public Recorder()
            : base(ProjectionName, ProjectionLifecycle.Async) =>
            Handles<UserCreated>();

        public ConcurrentQueue<Guid> Applied { get; } = new();

        public int? GateAfter { get; init; }

        public int? FailOn { get; init; }

        public bool Blocked { get; private set; }

        public void Open() => _gate.TrySetResult();

        public override async ValueTask ProjectAsync(IReadOnlyList<ProjectedEvent> events, IProjectionWriter writer, CancellationToken cancellationToken)
        {
            foreach (var e in events)
            {
                var seen = Interlocked.Increment(ref _seen);
                if (seen == FailOn)
                {
                    throw new InvalidOperationException($"The projection refuses event {seen}.");
                }

                if (seen > GateAfter)
                {
                    Blocked = true;
                    await _gate.Task.WaitAsync(cancellationToken);
                }
            }

            // Recorded once the batch is handed over; with one batch at a time and no retry, that is once it commits.
            foreach (var e in events)
            {
                Applied.Enqueue(e.EventId);
            }
        }
    }

    private sealed class CapturingLoggerFactory : ILoggerFactory, ILogger
    {
        public ConcurrentQueue<(int EventId, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((eventId.Id, formatter(state, exception)));
    }

    /// <summary>The FraiseEvents measurements tagged with one store's namespace (fixtures run in parallel).</summary>
    private sealed class MeasurementCollector : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _taken = new();

        public MeasurementCollector(string dbNamespace)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == FraiseEventsTelemetry.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Take(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Take(instrument, value, tags));
            _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Take(instrument, value, tags));
            _listener.Start();

            void Take(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
            {
                var dictionary = new Dictionary<string, object?>();
                foreach (var tag in tags)
                {
                    dictionary[tag.Key] = tag.Value;
                }

                if (Equals(dictionary.GetValueOrDefault("db.namespace"), dbNamespace))
                {
                    _taken.Enqueue((instrument.Name, value, dictionary));
                }
            }
        }

        public void Observe() => _listener.RecordObservableInstruments();

        public void Clear() => _taken.Clear();

        public List<(string Instrument, double Value, Dictionary<string, object?> Tags)> Of(string instrument) =>
            [.. _taken.Where(m => m.Instrument == instrument)];

        public double Sum(string instrument, string tag, string value) => Of(instrument).Where(m => Equals(m.Tags.GetValueOrDefault(tag), value)).Sum(m => m.Value);

        public void Dispose() => _listener.Dispose();
    }
}
