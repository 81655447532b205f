using FraiseEvents.Conformance;
using FraiseEvents.InMemory;
using NUnit.Framework;

namespace FraiseEvents.Tests.InMemory;

[TestFixture]
public sealed class InMemoryEventStoreClockTests
{
    [Test]
    public async Task A_clock_that_steps_back_never_makes_created_at_decrease_within_a_stream()
    {
        var clock = new SettableClock { Now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero) };
        var store = new InMemoryEventStore(TestEvents.Options(), clock);
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1));

        clock.Now = clock.Now.AddHours(-1);   // as an NTP step back would
        await store.AppendAsync(streamId, ExpectedVersion.Exactly(1), TestEvents.Batch(1));

        var events = await store.ReadStreamAsync(streamId).ToListAsync();
        Assert.That(events[1].CreatedAt, Is.GreaterThanOrEqualTo(events[0].CreatedAt), "created_at never decreases within a stream");
        Assert.That((await store.GetStreamStateAsync(streamId))!.UpdatedAt, Is.EqualTo(events[1].CreatedAt)); // the stream exists: appended above
    }

    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
