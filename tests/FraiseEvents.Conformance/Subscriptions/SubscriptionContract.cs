using System.Collections.Concurrent;
using FraiseEvents.Subscriptions;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Subscriptions;

/// <summary>
/// What every store promises to subscriptions and checkpoint users: checkpoints change only by
/// compare-and-set; a subscription delivers every event of the global log, in log order, at least
/// once, and twice only within the window docs/subscriptions.md defines. A store opts in by saying
/// how to create a fresh store, and (if it has transactions) how to hold an append's transaction open.
/// </summary>
public abstract partial class SubscriptionContract
{
    /// <summary>Generous: other tests' open transactions can hold the global log back for a while.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>A new, empty store that no other test uses, with <see cref="TestEvents"/> registered.</summary>
    protected abstract Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null);

    /// <summary>
    /// Appends one event in a transaction left open until the returned commit runs, after which the
    /// event is in the log. A store without transactions appends at commit, which is what a reader sees.
    /// </summary>
    protected virtual Task<(Guid EventId, Func<Task> Commit)> AppendInOpenTransactionAsync(IEventStore store)
    {
        var eventId = Guid.CreateVersion7();
        return Task.FromResult<(Guid, Func<Task>)>((eventId, () =>
            store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [new NewEvent(TestEvents.Created()) { EventId = eventId }])));
    }

    /// <summary>Fast polling and retries, so that tests wait for ordering, not for the clock.</summary>
    protected static SubscriptionOptions Fast(Action<SubscriptionOptions>? configure = null)
    {
        var options = new SubscriptionOptions { PollInterval = TimeSpan.FromMilliseconds(10), RetryDelay = TimeSpan.FromMilliseconds(1) };
        configure?.Invoke(options);
        return options;
    }

    protected static async Task<List<RecordedEvent>> AppendEventsAsync(IEventStore store, int count, string? streamType = null,
        Func<int, object>? make = null)
    {
        var appended = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var newEvent = new NewEvent(make?.Invoke(i) ?? TestEvents.Created(i));
            await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [newEvent], new AppendOptions { StreamType = streamType });
            appended.Add(newEvent.EventId);
        }

        return await WaitForLogAsync(store, appended);
    }

    /// <summary>The events with these ids, as the global log shows them, once it shows them all (it can lag behind other tests' transactions).</summary>
    protected static async Task<List<RecordedEvent>> WaitForLogAsync(IEventStore store, IReadOnlyCollection<Guid> ids)
    {
        var wanted = ids.ToHashSet();
        var found = new List<RecordedEvent>();
        await WaitUntilAsync(async () =>
        {
            found = [.. (await ReadWholeLogAsync(store)).Where(e => wanted.Contains(e.EventId))];
            return found.Count == wanted.Count;
        }, $"the global log to show {wanted.Count} appended events");
        return found;
    }

    protected static async Task<List<RecordedEvent>> ReadWholeLogAsync(IEventStore store)
    {
        var all = new List<RecordedEvent>();
        var position = LogPosition.Start;
        while (true)
        {
            var page = await store.ReadAllAsync(position, 1000).ToListAsync();
            if (page.Count == 0)
            {
                return all;
            }

            all.AddRange(page);
            position = page[^1].LogPosition;
        }
    }

    protected static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    protected static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
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

    /// <summary>Records what a subscription delivered, in delivery order.</summary>
    protected sealed class Deliveries
    {
        private readonly ConcurrentQueue<RecordedEvent> _events = new();

        public IReadOnlyList<RecordedEvent> Events => [.. _events];

        public int Count => _events.Count;

        public ValueTask Handle(RecordedEvent recorded, CancellationToken cancellationToken)
        {
            _events.Enqueue(recorded);
            return ValueTask.CompletedTask;
        }

        public Task WaitForAsync(IEnumerable<Guid> ids)
        {
            var wanted = ids.ToHashSet();
            return WaitUntilAsync(() => wanted.IsSubsetOf(_events.Select(e => e.EventId)), $"delivery of {wanted.Count} events");
        }
    }

    protected static void AssertInLogOrderWithoutDuplicates(IReadOnlyList<RecordedEvent> delivered)
    {
        Assert.That(delivered.Select(e => e.EventId), Is.Unique, "no event is delivered twice");
        for (var i = 1; i < delivered.Count; i++)
        {
            Assert.That(delivered[i].LogPosition, Is.GreaterThan(delivered[i - 1].LogPosition), $"delivery {i} is in log order");
        }
    }
}
