using FraiseEvents.Aggregates;
using FraiseEvents.Conformance.Aggregates;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Snapshots;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class LargeStreamSnapshotTests : PostgresFixture
{
    private const int EventsPerSave = 50;

    [Test]
    public async Task A_10000_event_stream_with_snapshots_every_100_loads_by_reading_at_most_100_events()
    {
        var counting = new CountingEventStore(await NewStoreAsync());
        var users = new AggregateRepository<UserAggregate>(counting, id => new UserAggregate(id),
            new AggregateRepositoryOptions { StreamType = "User", Snapshots = SnapshotPolicy.Every(100) });
        var replaying = new AggregateRepository<UserAggregate>(counting, id => new UserAggregate(id),
            new AggregateRepositoryOptions { StreamType = "User" });

        var user = users.Create(StreamId.New());
        user.Register("Ada", "ada@example.com");
        while (user.Version.Value + user.UncommittedEvents.Count < 10_037)
        {
            user.Update(name: $"Name {user.Version.Value + user.UncommittedEvents.Count}");
            if (user.UncommittedEvents.Count == EventsPerSave)
            {
                await users.SaveAsync(user);
            }
        }

        await users.SaveAsync(user);
        Assert.That(user.Version, Is.EqualTo(new StreamVersion(10_037)));

        counting.Reset();
        var loaded = await users.GetAsync(user.Id);
        Assert.That(counting.EventsRead, Is.EqualTo(37), "the snapshot at 10,000, then 37 events");
        Assert.That(loaded.ToModel(), Is.EqualTo(user.ToModel()));

        counting.Reset();
        var atVersion = await users.LoadAtVersionAsync(user.Id, 9_950);
        Assert.That(counting.EventsRead, Is.EqualTo(50), "the snapshot at 9,900, then 50 events");
        Assert.That(atVersion!.Name, Is.EqualTo("Name 9949"));

        var last = await counting.ReadStreamBackwardsAsync(user.Id, maxCount: 1).SingleAsync();
        counting.Reset();
        var asOf = await users.LoadAsOfAsync(user.Id, last.CreatedAt);
        Assert.That(counting.EventsRead, Is.LessThanOrEqualTo(100));
        Assert.That(asOf!.ToModel(), Is.EqualTo(user.ToModel()));

        counting.Reset();
        var replayed = await replaying.GetAsync(user.Id);
        Assert.That(counting.EventsRead, Is.EqualTo(10_037), "without snapshots every event is read");
        Assert.That(replayed.ToModel(), Is.EqualTo(user.ToModel()));
    }
}
