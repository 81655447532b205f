using FraiseEvents.Snapshots;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Aggregates;

public abstract partial class AggregateContract
{
    /// <summary>The documented scenario: create, update name, update email, delete; one save each.</summary>
    protected static async Task<UserAggregate> DocumentedScenarioAsync(FraiseEvents.Aggregates.AggregateRepository<UserAggregate> users, Guid? admin = null)
    {
        var user = await NewUserAsync(users, "Ada", "ada@example.com", admin);
        user.Update(name: "Ada Lovelace");
        await users.SaveAsync(user, Metadata(admin));
        user.Update(email: "ada@lovelace.org");
        await users.SaveAsync(user, Metadata(admin));
        user.Delete();
        await users.SaveAsync(user, Metadata(admin));
        return user;
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task The_state_at_each_event_time_is_the_fold_of_the_events_stored_by_then(bool snapshots)
    {
        var store = await CreateStoreAsync();
        var users = Users(store, snapshots ? SnapshotPolicy.Every(1) : null);
        var user = await DocumentedScenarioAsync(users);
        var events = await ReadStream(store, user.Id);

        foreach (var recorded in events)
        {
            // Events of one instant are all visible at that instant: fold every event stored by then.
            var expected = events.Where(e => e.CreatedAt <= recorded.CreatedAt).Aggregate(UserModel.Empty, (s, e) => s.Apply(e.Data));
            var actual = await users.LoadAsOfAsync(user.Id, recorded.CreatedAt);
            if (expected.IsDeleted)
            {
                Assert.That(actual, Is.Null, $"deleted at event {recorded.Version}: no user, as user_at_time");
            }
            else
            {
                Assert.That(actual!.ToModel(), Is.EqualTo(expected), $"at event {recorded.Version}");
            }
        }
    }

    [Test]
    public async Task There_is_no_user_before_the_first_event_nor_after_the_delete()
    {
        var store = await CreateStoreAsync();
        var users = Users(store);
        var user = await DocumentedScenarioAsync(users);
        var events = await ReadStream(store, user.Id);

        Assert.That(await users.LoadAsOfAsync(user.Id, events[0].CreatedAt.AddTicks(-10)), Is.Null);
        Assert.That(await users.LoadAsOfAsync(user.Id, events[^1].CreatedAt), Is.Null);
        Assert.That(await users.LoadAsOfAsync(user.Id, DateTimeOffset.MaxValue.AddYears(-1)), Is.Null);
        var deleted = await users.LoadAtVersionAsync(user.Id, 4);
        Assert.That(deleted!.IsDeleted, Is.True, "loading by version shows the deleted aggregate");
    }

    [Test]
    public async Task Reading_a_stream_as_of_a_time_gives_a_prefix_of_the_stream()
    {
        var store = await CreateStoreAsync();
        var user = await DocumentedScenarioAsync(Users(store));
        var events = await ReadStream(store, user.Id);

        foreach (var recorded in events)
        {
            var prefix = await store.ReadStreamAsOfAsync(user.Id, recorded.CreatedAt).ToListAsync();
            var count = events.Count(e => e.CreatedAt <= recorded.CreatedAt);
            Assert.That(prefix.Select(e => e.EventId), Is.EqualTo(events.Take(count).Select(e => e.EventId)));
        }

        Assert.That(await store.ReadStreamAsOfAsync(user.Id, events[0].CreatedAt.AddTicks(-10)).ToListAsync(), Is.Empty);
        Assert.That(await store.ReadStreamAsOfAsync(user.Id, events[^1].CreatedAt, fromVersion: 3).ToListAsync(), Has.Count.EqualTo(2));
        Assert.ThrowsAsync<StreamNotFoundException>(async () => await store.ReadStreamAsOfAsync(StreamId.New(), DateTimeOffset.UtcNow).ToListAsync());
    }

    [Test]
    public async Task Event_times_never_decrease_within_a_stream()
    {
        var store = await CreateStoreAsync();
        var users = Users(store);
        var user = await UserWithHistoryAsync(users, saves: 30);

        var times = (await ReadStream(store, user.Id)).Select(e => e.CreatedAt).ToList();

        Assert.That(times, Is.Ordered);
    }
}
