using FraiseEvents.Auditing;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Aggregates;

public abstract partial class AggregateContract
{
    private static async Task<List<List<RecordedEvent>>> ReadAllPages(IAuditTrail audit, AuditQuery query)
    {
        var pages = new List<List<RecordedEvent>>();
        while (true)
        {
            var page = await audit.ReadAuditTrailAsync(query);
            pages.Add([.. page.Events]);
            if (page.Next is not { } next)
            {
                return pages;
            }

            Assert.That(pages, Has.Count.LessThan(1000), "paging does not end");
            query = query with { After = next };
        }
    }

    [Test]
    public async Task The_audit_trail_shows_type_data_time_author_and_metadata_newest_first()
    {
        var store = await CreateStoreAsync();
        var admin = Guid.NewGuid();
        var user = await DocumentedScenarioAsync(Users(store), admin);

        var page = await ((IAuditTrail)store).ReadAuditTrailAsync(AuditQuery.ForStream(user.Id));

        Assert.That(page.Events.Select(e => e.EventType), Is.EqualTo(new[] { "USER_DELETED", "USER_UPDATED", "USER_UPDATED", "USER_CREATED" }));
        Assert.That(page.Events.Select(e => e.Metadata.CreatedBy), Is.All.EqualTo(admin));
        Assert.That(page.Events.Select(e => e.Metadata.CorrelationId), Is.All.EqualTo("test"));
        Assert.That(page.Events.Select(e => e.CreatedAt), Is.Ordered.Descending);
        Assert.That(page.Events[1].As<UserUpdated>().Email, Is.EqualTo("ada@lovelace.org"));
        Assert.That(page.Next, Is.Null);
    }

    [TestCase(1)]
    [TestCase(4)]
    [TestCase(7)]
    public async Task Paging_a_stream_audit_trail_returns_every_event_exactly_once(int limit)
    {
        var store = await CreateStoreAsync();
        var users = Users(store);
        var user = await UserWithHistoryAsync(users, saves: 15);

        var pages = await ReadAllPages((IAuditTrail)store, AuditQuery.ForStream(user.Id) with { Limit = limit });

        var versions = pages.SelectMany(p => p).Select(e => e.Version.Value).ToList();
        Assert.That(versions, Is.EqualTo(Enumerable.Range(1, (int)user.Version.Value).Reverse().Select(v => (long)v)));
        Assert.That(pages.Take(pages.Count - 1).Select(p => p.Count), Is.All.EqualTo(limit));
        Assert.That(pages.Select(p => p.Count), Is.All.GreaterThan(0), "the last page says there is no next one");
    }

    [Test]
    public async Task Events_appended_while_paging_do_not_appear_twice_or_shift_pages()
    {
        var store = await CreateStoreAsync();
        var users = Users(store);
        var user = await UserWithHistoryAsync(users, saves: 10);
        var audit = (IAuditTrail)store;
        var before = user.Version.Value;

        var first = await audit.ReadAuditTrailAsync(AuditQuery.ForStream(user.Id) with { Limit = 5 });
        user.Update(name: "Meanwhile");
        await users.SaveAsync(user);
        var rest = await ReadAllPages(audit, AuditQuery.ForStream(user.Id) with { Limit = 5, After = first.Next });

        var versions = first.Events.Concat(rest.SelectMany(p => p)).Select(e => e.Version.Value).ToList();
        Assert.That(versions, Is.EqualTo(Enumerable.Range(1, (int)before).Reverse().Select(v => (long)v)));
    }

    [TestCase(1)]
    [TestCase(3)]
    public async Task Paging_everything_an_author_did_across_streams_returns_each_of_their_events_exactly_once(int limit)
    {
        var store = await CreateStoreAsync();
        var users = Users(store);
        var alice = Guid.NewGuid();
        var bob = Guid.NewGuid();
        var streams = new List<UserAggregate>();
        for (var i = 0; i < 3; i++)
        {
            streams.Add(await NewUserAsync(users, $"User {i}", $"u{i}@example.com", i == 1 ? bob : alice));
        }

        for (var round = 0; round < 4; round++)
        {
            foreach (var user in streams)
            {
                user.Update(name: $"Round {round}");
                await users.SaveAsync(user, Metadata(round % 2 == 0 ? alice : bob));
            }
        }

        var alicesEvents = new List<RecordedEvent>();
        foreach (var user in streams)
        {
            alicesEvents.AddRange((await ReadStream(store, user.Id)).Where(e => e.Metadata.CreatedBy == alice));
        }

        var pages = await ReadAllPages((IAuditTrail)store, AuditQuery.ByAuthor(alice) with { Limit = limit });
        var paged = pages.SelectMany(p => p).ToList();

        Assert.That(paged.Select(e => e.EventId), Is.Unique);
        Assert.That(paged.Select(e => e.EventId), Is.EquivalentTo(alicesEvents.Select(e => e.EventId)));
        Assert.That(paged.Select(e => (e.CreatedAt, e.GlobalPosition.Value)), Is.Ordered.Descending);
        Assert.That(paged.Select(e => e.Metadata.CreatedBy), Is.All.EqualTo(alice));
    }

    [Test]
    public async Task The_audit_trail_filters_by_event_type_and_time_range()
    {
        var store = await CreateStoreAsync();
        var admin = Guid.NewGuid();
        var user = await DocumentedScenarioAsync(Users(store), admin);
        var events = await ReadStream(store, user.Id);
        var audit = (IAuditTrail)store;

        var updates = await audit.ReadAuditTrailAsync(AuditQuery.ForStream(user.Id) with { EventTypes = ["USER_UPDATED"] });
        var window = await audit.ReadAuditTrailAsync(AuditQuery.ForStream(user.Id) with { From = events[1].CreatedAt, To = events[2].CreatedAt });
        var authorWindow = await audit.ReadAuditTrailAsync(AuditQuery.ByAuthor(admin) with { From = events[1].CreatedAt, To = events[2].CreatedAt });

        Assert.That(updates.Events.Select(e => e.Version.Value), Is.EqualTo(new long[] { 3, 2 }));
        var expected = events.Where(e => e.CreatedAt >= events[1].CreatedAt && e.CreatedAt <= events[2].CreatedAt)
            .Select(e => e.Version.Value).Reverse();
        Assert.That(window.Events.Select(e => e.Version.Value), Is.EqualTo(expected));
        Assert.That(authorWindow.Events.Select(e => e.Version.Value), Is.EqualTo(expected));
    }
}
