using System.Collections.Concurrent;
using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Subscriptions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// Wake-ups across processes (two store instances over one schema stand for two processes), the
/// polling fallback when notifications are lost or never sent, and what holds the log back.
/// Waits are functional time-outs, never measurements: a subscription polling once an hour that
/// delivers within them was woken.
/// </summary>
[TestFixture]
public sealed class SubscriptionWakeUpTests : PostgresFixture
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Test]
    public async Task A_subscription_is_woken_by_another_store_instances_append_without_waiting_for_its_poll_interval()
    {
        var subscriber = await NewStoreAsync();
        var writer = await NewStoreAsync(schema: subscriber.Schema);
        var delivered = new ConcurrentQueue<Guid>();
        await using var subscription = new Subscription("woken", subscriber, Collect(delivered),
            new SubscriptionOptions { StartFrom = SubscriptionStart.Now, PollInterval = TimeSpan.FromHours(1) });
        await subscription.StartAsync();
        await WaitUntilAsync(() => subscriber.Notifications.Listener.Connections >= 1, "the listener to listen");

        var newEvent = new NewEvent(TestEvents.Created());
        await writer.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [newEvent]);

        await WaitUntilAsync(() => delivered.Contains(newEvent.EventId), "the other instance's event to be delivered");
        Assert.That(subscriber.Notifications.Listener.Received, Is.GreaterThanOrEqualTo(1), "woken by a notification");
        Assert.That(writer.Notifications.Sender!.Sent, Is.GreaterThanOrEqualTo(1)); // on by default
    }

    [Test]
    public async Task An_append_through_the_sql_api_is_delivered_by_polling()
    {
        var store = await NewStoreAsync();
        var delivered = new ConcurrentQueue<Guid>();
        await using var subscription = new Subscription("sql", store, Collect(delivered),
            new SubscriptionOptions { StartFrom = SubscriptionStart.Now, PollInterval = TimeSpan.FromMilliseconds(100) });
        await subscription.StartAsync();

        var eventId = await Database.ScalarAsync<Guid>(
            $"SELECT {store.Schema}.append_event(gen_random_uuid(), 'USER_CREATED', '{{\"user_id\": \"{Guid.NewGuid()}\", \"name\": \"Ada\", \"email\": \"ada@example.com\"}}'::jsonb)");

        await WaitUntilAsync(() => delivered.Contains(eventId), "the event appended with append_event to be delivered");
    }

    [Test]
    public async Task With_notify_on_append_off_another_instances_subscription_finds_the_events_by_polling()
    {
        var subscriber = await NewStoreAsync();
        var writer = await NewStoreAsync(schema: subscriber.Schema, configurePostgres: o => o.NotifyOnAppend = false);
        var delivered = new ConcurrentQueue<Guid>();
        await using var subscription = new Subscription("quiet", subscriber, Collect(delivered),
            new SubscriptionOptions { StartFrom = SubscriptionStart.Now, PollInterval = TimeSpan.FromMilliseconds(100) });
        await subscription.StartAsync();
        await WaitUntilAsync(() => subscriber.Notifications.Listener.Connections >= 1, "the listener to listen");

        var newEvent = new NewEvent(TestEvents.Created());
        await writer.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [newEvent]);

        await WaitUntilAsync(() => delivered.Contains(newEvent.EventId), "the event to be found by polling");
        Assert.That(writer.Notifications.Sender, Is.Null, "nothing is announced");
        Assert.That(subscriber.Notifications.Listener.Received, Is.Zero);
    }

    [Test]
    public async Task When_the_listener_connection_is_killed_events_still_arrive_by_polling_and_the_listener_reconnects()
    {
        var store = await NewStoreAsync();
        var writer = await NewStoreAsync(schema: store.Schema);
        var delivered = new ConcurrentQueue<Guid>();
        await using var polling = new Subscription("polling", store, Collect(delivered),
            new SubscriptionOptions { StartFrom = SubscriptionStart.Now, PollInterval = TimeSpan.FromMilliseconds(100) });
        await polling.StartAsync();
        await WaitUntilAsync(() => store.Notifications.Listener.Connections >= 1, "the listener to listen");
        var killed = await ListenerPidAsync(store);

        Assert.That(await Database.ScalarAsync<bool>($"SELECT pg_terminate_backend({killed})"), Is.True);
        var eventId = await Database.ScalarAsync<Guid>(
            $"SELECT {store.Schema}.append_event(gen_random_uuid(), 'USER_CREATED', '{{\"user_id\": \"{Guid.NewGuid()}\", \"name\": \"Ada\", \"email\": \"ada@example.com\"}}'::jsonb)");
        await WaitUntilAsync(() => delivered.Contains(eventId), "the event to arrive while the listener is lost");

        await WaitUntilAsync(() => store.Notifications.Listener.Connections >= 2, "the listener to reconnect");
        int? reconnected = null;
        await WaitUntilAsync(async () => (reconnected = await ListenerPidAsync(store)) is { } pid && pid != killed,
            "the new listener connection to show in pg_stat_activity");

        // The new connection wakes subscriptions that no longer poll in time.
        var woken = new ConcurrentQueue<Guid>();
        await using var waiting = new Subscription("woken-after-reconnect", store, Collect(woken),
            new SubscriptionOptions { StartFrom = SubscriptionStart.Now, PollInterval = TimeSpan.FromHours(1) });
        await waiting.StartAsync();
        var newEvent = new NewEvent(TestEvents.Created());
        await writer.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [newEvent]);
        await WaitUntilAsync(() => woken.Contains(newEvent.EventId), "the other instance's event to wake the subscription");
        Assert.That(reconnected, Is.Not.EqualTo(killed));
    }

    [Test]
    public async Task The_listener_connection_closes_when_the_last_subscription_stops()
    {
        var store = await NewStoreAsync();
        await using var first = new Subscription("first", store, Collect(new ConcurrentQueue<Guid>()), new SubscriptionOptions());
        await using var second = new Subscription("second", store, Collect(new ConcurrentQueue<Guid>()), new SubscriptionOptions());
        await first.StartAsync();
        await second.StartAsync();
        await WaitUntilAsync(() => store.Notifications.Listener.Connections >= 1, "the listener to listen");
        await WaitUntilAsync(async () => await ListenerCountAsync(store) == 1, "one listener connection in pg_stat_activity");

        await first.StopAsync();
        Assert.That(await ListenerCountAsync(store), Is.EqualTo(1), "still listening for the second subscription");
        await second.StopAsync();

        await WaitUntilAsync(async () => await ListenerCountAsync(store) == 0, "the listener connection to close");
        Assert.That(store.Notifications.Listener.Connections, Is.EqualTo(1), "both subscriptions shared one connection");
    }

    [Test]
    [NonParallelizable] // names the oldest open transaction of the cluster, which parallel tests' transactions could be
    public async Task The_hold_up_names_the_process_and_application_of_an_open_transaction_and_is_null_when_none_holds_the_log()
    {
        var store = await NewStoreAsync();
        var logger = new CapturingLoggerFactory();
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [new NewEvent(TestEvents.Created())]);
        await WaitUntilAsync(async () => await store.ReadAllAsync(LogPosition.Start).CountAsync() == 1, "the first event to be visible");
        Assert.That(await store.GetLogHoldUpAsync(), Is.Null, "nothing waits beyond the visible end");

        await using var subscription = new Subscription("held", store, Collect(new ConcurrentQueue<Guid>()), new SubscriptionOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(20), HoldUpWarningAfter = TimeSpan.Zero, LoggerFactory = logger,
        });
        await subscription.StartAsync();
        await WaitUntilAsync(() => subscription.Status.State == SubscriptionState.Live, "the subscription to go live");

        var holder = await RawAppender.BeginAsync(Database.DataSource, store.Schema);
        await using var holderDisposal = holder;
        await holder.SetApplicationNameAsync("forgotten-batch-job");
        var xid = await holder.TakeTransactionIdAsync();
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [new NewEvent(TestEvents.Created())]);

        var holdUp = await store.GetLogHoldUpAsync();
        Assert.That(holdUp, Is.Not.Null);
        Assert.That(holdUp!.ProcessId, Is.EqualTo(holder.ProcessId));
        Assert.That(holdUp.ApplicationName, Is.EqualTo("forgotten-batch-job"));
        Assert.That(holdUp.State, Is.EqualTo("idle in transaction"));
        Assert.That(holdUp.TransactionId, Is.EqualTo(xid % (1L << 32)));
        Assert.That(holdUp.TransactionAge, Is.GreaterThanOrEqualTo(TimeSpan.Zero));
        Assert.That(holdUp.TransactionStartedAt, Is.Not.Null);
        Assert.That(holdUp.QueryStartedAt, Is.Not.Null);

        await WaitUntilAsync(() => subscription.Status.HoldUp?.ProcessId == holder.ProcessId, "the subscription's status to name the holder");
        Assert.That(subscription.Status.State, Is.EqualTo(SubscriptionState.Live));
        await WaitUntilAsync(() => logger.Messages.Any(m => m.Contains($"process {holder.ProcessId}", StringComparison.Ordinal)),
            "a warning naming the holder");

        await holder.RollbackAsync();
        Assert.That(await store.GetLogHoldUpAsync(), Is.Null, "released once the transaction ended");
        await WaitUntilAsync(() => subscription.Status is { HoldUp: null, EventsBehind: 0 }, "the subscription's status to clear");
    }

    private static Func<RecordedEvent, CancellationToken, ValueTask> Collect(ConcurrentQueue<Guid> delivered) => (e, _) =>
    {
        delivered.Enqueue(e.EventId);
        return ValueTask.CompletedTask;
    };

    private async Task<int?> ListenerPidAsync(PostgresEventStore store) => await Database.ScalarAsync<int?>(
        $"SELECT pid FROM pg_stat_activity WHERE application_name = '{store.ListenerApplicationName}' AND datname = current_database() ORDER BY backend_start DESC LIMIT 1");

    private Task<long> ListenerCountAsync(PostgresEventStore store) => Database.ScalarAsync<long>(
        $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{store.ListenerApplicationName}' AND datname = current_database()");

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > Patience)
            {
                Assert.Fail($"Gave up waiting for {what} after {Patience.TotalSeconds} s.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Keeps every formatted message logged through it.</summary>
    private sealed class CapturingLoggerFactory : ILoggerFactory, ILogger
    {
        private readonly ConcurrentQueue<string> _messages = new();

        public IReadOnlyCollection<string> Messages => _messages;

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
            _messages.Enqueue(formatter(state, exception));
    }
}
