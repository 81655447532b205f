using FraiseEvents.Aggregates;
using FraiseEvents.Conformance.Aggregates;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Snapshots;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// Loading an aggregate reads the stream's state, its snapshot and the events after it in one
/// round trip (it took three: state, snapshot, events).
/// </summary>
[TestFixture]
[NonParallelizable] // listens to Npgsql's activities process-wide; counts only those of its own database
public sealed class AggregateLoadRoundTripTests : PostgresFixture
{
    [Test]
    public async Task An_aggregate_with_a_snapshot_and_events_after_it_loads_in_one_round_trip()
    {
        var store = await NewStoreAsync();
        var users = new AggregateRepository<UserAggregate>(store, id => new UserAggregate(id),
            new AggregateRepositoryOptions { StreamType = "User", Snapshots = SnapshotPolicy.Every(2) });
        var replaying = new AggregateRepository<UserAggregate>(store, id => new UserAggregate(id), new AggregateRepositoryOptions { StreamType = "User" });
        var user = users.Create(StreamId.New());
        user.Register("Ada", "ada@example.com");
        user.Update(name: "Ada Lovelace");
        await users.SaveAsync(user);                 // snapshot at 2
        user.Update(email: "ada@lovelace.org");
        await users.SaveAsync(user);                 // version 3, after the snapshot
        await users.GetAsync(user.Id);               // warm: prepared statements, pooled connection

        UserAggregate? loaded = null;
        var withSnapshot = await RoundTripsAsync(async () => loaded = await users.GetAsync(user.Id));
        UserAggregate? replayed = null;
        var withoutSnapshot = await RoundTripsAsync(async () => replayed = await replaying.GetAsync(user.Id));

        Assert.That((withSnapshot, withoutSnapshot), Is.EqualTo((1, 1)), "round trips to load with a snapshot policy, and without one");
        Assert.That(loaded!.ToModel(), Is.EqualTo(user.ToModel()));
        Assert.That(replayed!.ToModel(), Is.EqualTo(user.ToModel()));
        Assert.That(loaded.Version, Is.EqualTo(new StreamVersion(3)));
    }

    [Test]
    public async Task A_snapshot_that_cannot_be_restored_costs_one_more_read_of_the_whole_stream_and_loads_the_same_state()
    {
        var store = await NewStoreAsync();
        var users = new AggregateRepository<UserAggregate>(store, id => new UserAggregate(id),
            new AggregateRepositoryOptions { StreamType = "User", Snapshots = SnapshotPolicy.Every(100) });
        var user = users.Create(StreamId.New());
        user.Register("Ada", "ada@example.com");
        user.Update(name: "Ada Lovelace");
        await users.SaveAsync(user);
        await store.WriteSnapshotAsync(user.Id, new SnapshotWrite(2, 1, "[\"not the aggregate's shape\"]"u8.ToArray()));
        await users.GetAsync(user.Id);

        UserAggregate? loaded = null;
        var roundTrips = await RoundTripsAsync(async () => loaded = await users.GetAsync(user.Id));

        Assert.That(roundTrips, Is.EqualTo(2));
        Assert.That(loaded!.ToModel(), Is.EqualTo(user.ToModel()));
    }
}
