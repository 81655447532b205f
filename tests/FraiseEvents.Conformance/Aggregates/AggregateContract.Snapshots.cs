using System.Text;
using FraiseEvents.Aggregates;
using FraiseEvents.Snapshots;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Aggregates;

public abstract partial class AggregateContract
{
    /// <summary>A user saved in <paramref name="saves"/> saves of one or two events each.</summary>
    protected static async Task<UserAggregate> UserWithHistoryAsync(AggregateRepository<UserAggregate> users, int saves)
    {
        var user = await NewUserAsync(users);
        for (var i = 1; i < saves; i++)
        {
            user.Update(name: $"Name {i}");
            if (i % 3 == 0)
            {
                user.Update(email: $"user{i}@example.com");
            }

            await users.SaveAsync(user);
        }

        return user;
    }

    [Test]
    public async Task Snapshots_on_and_off_give_identical_states_at_every_version()
    {
        var store = await CreateStoreAsync();
        var withSnapshots = Users(store, SnapshotPolicy.Every(3));
        var withoutSnapshots = Users(store);
        var user = await UserWithHistoryAsync(withSnapshots, saves: 20);

        for (var version = 1; version <= user.Version.Value; version++)
        {
            var a = await withSnapshots.LoadAtVersionAsync(user.Id, version);
            var b = await withoutSnapshots.LoadAtVersionAsync(user.Id, version);
            Assert.That(a!.ToModel(), Is.EqualTo(b!.ToModel()), $"version {version}");
        }

        var current = await withSnapshots.GetAsync(user.Id);
        Assert.That(current.ToModel(), Is.EqualTo(user.ToModel()));
        Assert.That(current.RestoredFromSnapshot, Is.True);
        Assert.That(current.EventsApplied, Is.LessThan(3));
    }

    [Test]
    public async Task Loading_uses_the_newest_snapshot_at_or_below_the_requested_version()
    {
        var store = await CreateStoreAsync();
        var users = Users(store, SnapshotPolicy.Every(4));
        var user = await UserWithHistoryAsync(users, saves: 12);
        var snapshots = (ISnapshotStore)store;

        var atTen = await snapshots.ReadSnapshotAsync(user.Id, schemaVersion: 1, maxVersion: 10);
        var loaded = await users.LoadAtVersionAsync(user.Id, 10);

        Assert.That(atTen!.Version.Value, Is.LessThanOrEqualTo(10));
        Assert.That(loaded!.RestoredFromSnapshot, Is.True);
        Assert.That(loaded.EventsApplied, Is.EqualTo(10 - atTen.Version.Value));
        Assert.That(loaded.Version, Is.EqualTo(new StreamVersion(10)));
    }

    [Test]
    public async Task Only_the_newest_K_snapshots_are_kept_whatever_their_versions()
    {
        var store = await CreateStoreAsync();
        var users = Users(store, SnapshotPolicy.Every(4, keep: 2));
        var user = await NewUserAsync(users);
        for (var i = 0; i < 12; i++)
        {
            user.Update(name: $"Name {i}");
            await users.SaveAsync(user);
        }

        var snapshots = (ISnapshotStore)store;
        Assert.That(user.Version, Is.EqualTo(new StreamVersion(13)));
        Assert.That((await snapshots.ReadSnapshotAsync(user.Id, 1))!.Version, Is.EqualTo(new StreamVersion(12)));
        Assert.That((await snapshots.ReadSnapshotAsync(user.Id, 1, maxVersion: 11))!.Version, Is.EqualTo(new StreamVersion(8)));
        Assert.That(await snapshots.ReadSnapshotAsync(user.Id, 1, maxVersion: 7), Is.Null, "the snapshot at 4 is the third newest");
    }

    [Test]
    public async Task Snapshots_of_another_schema_version_are_ignored_and_rebuilt()
    {
        var store = await CreateStoreAsync();
        var version1 = Users(store, SnapshotPolicy.Every(2), schemaVersion: 1);
        var user = await UserWithHistoryAsync(version1, saves: 6);
        var version2 = Users(store, SnapshotPolicy.Every(2), schemaVersion: 2);

        var rebuilt = await version2.GetAsync(user.Id);
        Assert.That(rebuilt.RestoredFromSnapshot, Is.False);
        Assert.That(rebuilt.EventsApplied, Is.EqualTo(user.Version.Value));
        Assert.That(rebuilt.ToModel(), Is.EqualTo(user.ToModel()));

        rebuilt.Update(name: "After the bump");
        rebuilt.Update(email: "bump@example.com");
        await version2.SaveAsync(rebuilt);
        var fromNewSnapshot = await version2.GetAsync(user.Id);
        Assert.That(fromNewSnapshot.RestoredFromSnapshot, Is.True);
        Assert.That(fromNewSnapshot.ToModel(), Is.EqualTo(rebuilt.ToModel()));
    }

    [TestCase("""{"name": 42}""", TestName = "A_snapshot_of_the_wrong_types_is_ignored_and_the_state_rebuilt")]
    [TestCase("""[1, 2]""", TestName = "A_snapshot_that_is_not_an_object_is_ignored_and_the_state_rebuilt")]
    [TestCase("""{"name": "Old shape", "email": "x"}""", TestName = "A_snapshot_missing_members_is_ignored_and_the_state_rebuilt")]
    [TestCase("""{"name": "x", "email": "x", "is_created": true, "is_deleted": false, "nickname": "x"}""",
        TestName = "A_snapshot_with_unknown_members_is_ignored_and_the_state_rebuilt")]
    [TestCase("""{"name": null, "email": "x", "is_created": true, "is_deleted": false}""",
        TestName = "A_snapshot_with_a_null_for_a_non_nullable_member_is_ignored_and_the_state_rebuilt")]
    public async Task A_snapshot_that_does_not_deserialize_is_ignored_and_the_state_rebuilt(string json)
    {
        var store = await CreateStoreAsync();
        var users = Users(store, SnapshotPolicy.Every(100));
        var user = await UserWithHistoryAsync(users, saves: 4);
        await ((ISnapshotStore)store).WriteSnapshotAsync(user.Id, new SnapshotWrite(user.Version, 1, Encoding.UTF8.GetBytes(json)));

        var loaded = await users.GetAsync(user.Id);

        Assert.That(loaded.RestoredFromSnapshot, Is.False);
        Assert.That(loaded.ToModel(), Is.EqualTo(user.ToModel()));
    }

    [Test]
    public async Task A_well_formed_snapshot_is_used()
    {
        var store = await CreateStoreAsync();
        var users = Users(store, SnapshotPolicy.Every(100));
        var user = await UserWithHistoryAsync(users, saves: 4);
        await ((ISnapshotStore)store).WriteSnapshotAsync(user.Id, new SnapshotWrite(user.Version, 1,
            Encoding.UTF8.GetBytes("""{"name": "From the snapshot", "email": "s@example.com", "is_created": true, "is_deleted": false}""")));

        var loaded = await users.GetAsync(user.Id);

        Assert.That(loaded.RestoredFromSnapshot, Is.True);
        Assert.That(loaded.EventsApplied, Is.Zero);
        Assert.That(loaded.Name, Is.EqualTo("From the snapshot"), "the snapshot, not a replay, gave the state");
    }

    [Test]
    public async Task A_snapshot_of_a_version_the_stream_does_not_have_is_refused()
    {
        var store = await CreateStoreAsync();
        var user = await NewUserAsync(Users(store));
        var snapshots = (ISnapshotStore)store;

        Assert.ThrowsAsync<ArgumentException>(() => snapshots.WriteSnapshotAsync(user.Id, new SnapshotWrite(2, 1, "{}"u8.ToArray())));
        Assert.ThrowsAsync<ArgumentException>(() => snapshots.WriteSnapshotAsync(StreamId.New(), new SnapshotWrite(1, 1, "{}"u8.ToArray())));
        Assert.That(await snapshots.ReadSnapshotAsync(user.Id, 1), Is.Null);
    }

    [Test]
    public async Task An_inline_snapshot_is_never_written_for_a_refused_save()
    {
        var store = await CreateStoreAsync();
        var users = Users(store, SnapshotPolicy.Every(1));
        var id = (await NewUserAsync(users)).Id;
        var winner = await users.GetAsync(id);
        var loser = await users.GetAsync(id);
        winner.Update(name: "Winner");
        loser.Update(name: "Loser");
        await users.SaveAsync(winner);

        Assert.ThrowsAsync<WrongExpectedVersionException>(() => users.SaveAsync(loser));

        var snapshot = await ((ISnapshotStore)store).ReadSnapshotAsync(id, 1);
        Assert.That(snapshot!.Version, Is.EqualTo(new StreamVersion(2)));
        Assert.That(Encoding.UTF8.GetString(snapshot.Data.Span), Does.Contain("Winner").And.Not.Contain("Loser"));
    }

    [Test]
    public async Task An_inline_snapshot_is_never_written_for_an_append_refused_for_reusing_an_event_id()
    {
        // The refused append's last event id and version both match a stored event: a snapshot write
        // that only looked for that event (not for this transaction having stored it) would store
        // a state the stream never had.
        var store = await CreateStoreAsync();
        var snapshots = (ISnapshotStore)store;
        var streamId = StreamId.New();
        var stored = new NewEvent(new UserCreated(streamId.Value, "Ada", "ada@example.com"));
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, [stored]);
        var impostor = new NewEvent(new UserCreated(streamId.Value, "Eve", "eve@example.com")) { EventId = stored.EventId };

        // Any, not NoStream: with an expected version that does not match, the refusal is a wrong version (0007).
        Assert.ThrowsAsync<IdempotencyConflictException>(() => snapshots.AppendWithSnapshotAsync(streamId, ExpectedVersion.Any, [impostor],
            new SnapshotWrite(1, 1, """{"name": "Eve", "email": "eve@example.com", "is_created": true, "is_deleted": false}"""u8.ToArray())));

        Assert.That(await snapshots.ReadSnapshotAsync(streamId, 1), Is.Null);
    }

    [Test]
    public async Task After_commit_snapshots_are_written_once_the_events_are_stored()
    {
        var store = await CreateStoreAsync();
        var users = Users(store, SnapshotPolicy.Every(2, SnapshotMode.AfterCommit));
        var user = await UserWithHistoryAsync(users, saves: 3);

        var snapshot = await ((ISnapshotStore)store).ReadSnapshotAsync(user.Id, 1);
        Assert.That(snapshot!.Version.Value, Is.EqualTo(user.Version.Value / 2 * 2));
        Assert.That((await users.GetAsync(user.Id)).ToModel(), Is.EqualTo(user.ToModel()));
    }

    [Test]
    public async Task A_custom_policy_decides_when_to_snapshot()
    {
        var store = await CreateStoreAsync();
        var users = Users(store, SnapshotPolicy.When(d => d.Events.Any(e => e is UserDeleted)));
        var user = await UserWithHistoryAsync(users, saves: 5);
        var snapshots = (ISnapshotStore)store;
        Assert.That(await snapshots.ReadSnapshotAsync(user.Id, 1), Is.Null);

        user.Delete();
        await users.SaveAsync(user);

        Assert.That((await snapshots.ReadSnapshotAsync(user.Id, 1))!.Version, Is.EqualTo(user.Version));
        Assert.That((await users.GetAsync(user.Id)).IsDeleted, Is.True);
    }
}
