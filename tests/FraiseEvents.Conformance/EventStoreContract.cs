using NUnit.Framework;

namespace FraiseEvents.Conformance;

/// <summary>
/// The behaviour every <see cref="IEventStore"/> promises. A store's test project opts in by
/// deriving from this class and saying how to create a fresh, isolated store.
/// </summary>
public abstract partial class EventStoreContract
{
    /// <summary>A new, empty store that no other test uses, with <see cref="TestEvents"/> registered.</summary>
    protected abstract Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null);

    protected static async Task<List<RecordedEvent>> ReadStream(IEventStore store, StreamId streamId) =>
        await store.ReadStreamAsync(streamId).ToListAsync();

    protected static async Task<List<RecordedEvent>> ReadWholeLog(IEventStore store, int pageSize = 1000)
    {
        var all = new List<RecordedEvent>();
        var position = LogPosition.Start;
        while (true)
        {
            var page = await store.ReadAllAsync(position, pageSize).ToListAsync();
            if (page.Count == 0)
            {
                return all;
            }

            all.AddRange(page);
            position = page[^1].LogPosition;
        }
    }

    protected static async Task<StreamId> StreamWithEvents(IEventStore store, int count)
    {
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(count));
        return streamId;
    }

    /// <summary>Starts every action at the same moment and collects each one's outcome.</summary>
    protected static Task<Exception?[]> RunConcurrently(int count, Func<int, Task> action) => Concurrently.Run(count, action);

    /// <summary>
    /// Runs <paramref name="writers"/> writes to one stream of <paramref name="store"/> so that they
    /// truly overlap, and collects each one's outcome. Released together is not enough for a store
    /// with a start-up cost per call (a connection to open, a statement to prepare): the first can
    /// commit before the others have begun, and a race test then passes without any race. A store
    /// that can hold its writers at a common point inside it overrides this to do so.
    /// </summary>
    protected virtual Task<Exception?[]> RaceAsync(IEventStore store, int writers, Func<int, Task> write) => RunConcurrently(writers, write);
}
