using FraiseEvents.Conformance;
using FraiseEvents.InMemory;
using NUnit.Framework;

namespace FraiseEvents.Tests.InMemory;

/// <summary>
/// The in-memory store completes every call synchronously, so the contract's concurrent writers
/// (tasks released together) mostly run one after another and rarely overlap inside the store.
/// Here each writer is a thread appending in a tight loop, so the store's lock is what keeps
/// versions dense: without it this test was seen to fail.
/// </summary>
[TestFixture]
public sealed class InMemoryEventStoreThreadTests
{
    [Test]
    public async Task Appends_from_threads_running_at_once_lose_and_duplicate_nothing()
    {
        var store = new InMemoryEventStore(TestEvents.Options());
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1));
        const int threads = 4;
        const int appendsPerThread = 2000;
        var written = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        using var start = new Barrier(threads);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(async () =>
        {
            start.SignalAndWait();
            try
            {
                for (var i = 0; i < appendsPerThread; i++)
                {
                    var newEvent = new NewEvent(TestEvents.Created(i));
                    await store.AppendAsync(streamId, ExpectedVersion.Any, [newEvent]);
                    written.Add(newEvent.EventId);
                }

                return (Exception?)null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()));

        Assert.That(outcomes, Is.All.Null);
        var read = await store.ReadStreamAsync(streamId).ToListAsync();
        Assert.That(read.Select(e => e.Version.Value), Is.EqualTo(Enumerable.Range(1, 1 + threads * appendsPerThread).Select(v => (long)v)));
        Assert.That(read.Skip(1).Select(e => e.EventId), Is.EquivalentTo(written));
        var log = await store.ReadAllAsync(LogPosition.Start, int.MaxValue).ToListAsync();
        Assert.That(log.Select(e => e.GlobalPosition.Value), Is.Unique.And.Ordered.Ascending);
    }
}
