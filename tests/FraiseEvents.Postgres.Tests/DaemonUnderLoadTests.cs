using System.Collections.Concurrent;
using System.Text.Json;
using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Projections;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Projections;
using FraiseEvents.Subscriptions;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// The daemon and two subscriptions while 8 writers append 10,000 events each and one append in ten
/// of a raw writer rolls back: every committed event applied exactly once (counted), every read model
/// equal to a fold of the log, every subscription seeing every committed event. Nothing is timed; the
/// waits only bound how long a lost event could go unnoticed.
/// </summary>
[TestFixture]
[NonParallelizable] // 80,000 events and 8 writers: alone, so that other tests' open transactions do not stretch it
public sealed class DaemonUnderLoadTests : PostgresFixture
{
    private const int Writers = 8;
    private const int EventsPerWriter = 10_000;
    private const int EventsPerAppend = 10;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Test]
    public async Task Eight_writers_with_rollbacks_leave_every_read_model_exact_and_every_event_applied_and_delivered_once()
    {
        var schema = NewSchemaName();
        var store = await NewStoreAsync(o => o.Projections.Add(new CountedEvents()).Add<AsyncUserDocumentProjection>(), schema);
        await Database.ExecuteAsync(CountedEvents.CreateTableSql(schema));

        await using var daemon = new ProjectionDaemon(store, new ProjectionDaemonOptions { PollInterval = TimeSpan.FromMilliseconds(50) });
        var seenByA = new ConcurrentBag<Guid>();
        var seenByB = new ConcurrentBag<Guid>();
        var subscriptionOptions = new SubscriptionOptions { PollInterval = TimeSpan.FromMilliseconds(50), StartFrom = SubscriptionStart.Beginning };
        await using var a = new Subscription("load-a", store, (e, _) => { seenByA.Add(e.EventId); return ValueTask.CompletedTask; }, subscriptionOptions);
        await using var b = new Subscription("load-b", store, (e, _) => { seenByB.Add(e.EventId); return ValueTask.CompletedTask; }, subscriptionOptions);
        await daemon.StartAsync();
        await a.StartAsync();
        await b.StartAsync();

        var committed = new ConcurrentBag<Guid>();
        var rolledBack = new ConcurrentBag<Guid>();
        var last = LogPosition.Start;
        var lastLock = new object();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(20261202 + w);
            for (var i = 0; i < EventsPerWriter / EventsPerAppend; i++)
            {
                if (random.Next(10) == 0)
                {
                    // A transaction that takes a transaction id and a position, then rolls back: a gap consumers must not wait on forever.
                    await using var doomed = await RawAppender.BeginAsync(Database.DataSource, schema);
                    rolledBack.Add((await doomed.AppendAsync()).EventId);
                    await doomed.RollbackAsync();
                }

                var user = StreamId.New();
                var events = new List<NewEvent> { new(new UserCreated(user.Value, $"W{w} U{i}", $"w{w}u{i}@example.com")) };
                events.AddRange(Enumerable.Range(1, EventsPerAppend - 1).Select(n => new NewEvent(new UserUpdated(user.Value, Name: $"W{w} U{i} #{n}"))));
                var result = await store.AppendAsync(user, ExpectedVersion.NoStream, events);
                foreach (var e in events)
                {
                    committed.Add(e.EventId);
                }

                lock (lastLock)
                {
                    last = result.LogPosition > last ? result.LogPosition : last;
                }
            }
        })).ToArray();
        await Task.WhenAll(writers);

        await daemon.WaitForProjectionAsync(CountedEvents.ProjectionName, last, Patience);
        await daemon.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, last, Patience);
        await WaitUntilAsync(() => seenByA.Distinct().Count() >= committed.Count && seenByB.Distinct().Count() >= committed.Count, "both subscriptions to see every event");

        var expected = committed.ToHashSet();
        Assert.That(expected, Has.Count.EqualTo(Writers * EventsPerWriter));
        Assert.That(rolledBack, Is.Not.Empty, "the run must include rolled-back transactions");
        var counted = await ListAsync<Guid>(CountedEvents.SelectInOrderSql(schema));
        Assert.That(counted, Has.Count.EqualTo(expected.Count), "every committed event applied exactly once: no more rows than events");
        Assert.That(counted.ToHashSet().SetEquals(expected), Is.True, "the applied events are exactly the committed ones");
        Assert.That(seenByA.ToHashSet().SetEquals(expected), Is.True, "subscription A saw every committed event and nothing rolled back");
        Assert.That(seenByB.ToHashSet().SetEquals(expected), Is.True, "subscription B saw every committed event and nothing rolled back");
        Assert.That(daemon.Statuses.Select(s => s.Fault), Is.All.Null);

        // Every document equals a fold of its stream as the log holds it.
        var folded = new Dictionary<Guid, List<object>>();
        await foreach (var e in store.ReadAllAsync(LogPosition.Start, maxCount: int.MaxValue))
        {
            if (!folded.TryGetValue(e.StreamId.Value, out var list))
            {
                folded[e.StreamId.Value] = list = [];
            }

            list.Add(e.Data);
        }

        var documents = await DocumentsAsync(schema);
        Assert.That(documents.Keys, Is.EquivalentTo(folded.Keys));
        foreach (var (id, events) in folded)
        {
            var model = UserDocumentProjection.Fold(events);
            Assert.That(documents[id], Is.EqualTo(new AsyncUserDocument(model!.Name, model.Email, model.Changes)), $"stream {id}");
        }
    }

    private async Task<Dictionary<Guid, AsyncUserDocument>> DocumentsAsync(string schema)
    {
        // The store writes documents with its default JSON options: snake_case names.
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        await using var command = Database.DataSource.CreateCommand($"SELECT id, data::text FROM \"{schema}\".v_{AsyncUserDocumentProjection.ProjectionName}");
        await using var reader = await command.ExecuteReaderAsync();
        var documents = new Dictionary<Guid, AsyncUserDocument>();
        while (await reader.ReadAsync())
        {
            documents[reader.GetGuid(0)] = JsonSerializer.Deserialize<AsyncUserDocument>(reader.GetString(1), options)!; // the projection wrote it
        }

        return documents;
    }

    private async Task<List<T>> ListAsync<T>(string sql)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<T>();
        while (await reader.ReadAsync())
        {
            list.Add(reader.GetFieldValue<T>(0));
        }

        return list;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"waited in vain for {what}");
            await Task.Delay(20);
        }
    }
}
