using System.Collections.Concurrent;
using System.Diagnostics;
using FraiseEvents.Aggregates;
using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Aggregates;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Snapshots;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests.Diagnostics;

/// <summary>
/// The spans a listener receives. Listeners are process-wide and fixtures run in parallel, so each
/// test starts a root activity of its own and looks only at spans of that trace.
/// </summary>
[TestFixture]
public sealed class TracingTests : PostgresFixture
{
    private const string TestSourceName = "FraiseEvents.Tests.Tracing";

    private static readonly ActivitySource TestSource = new(TestSourceName);

    [Test]
    public async Task Append_and_reads_are_client_spans_under_the_callers_activity_following_the_database_conventions()
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();
        using var spans = new SpanCollector();

        using (spans.StartRoot())
        {
            await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(2));
            await store.ReadStreamAsync(streamId).ToListAsync();
            await store.ReadAllAsync(LogPosition.Start, maxCount: 1).ToListAsync();
        }

        var ns = $"{Database.Name}.{store.Schema}";
        var ours = spans.Ours();
        Assert.That(ours.Select(s => s.DisplayName), Is.EqualTo(new[] { $"append {ns}", $"read_stream {ns}", $"read_all {ns}" }));
        Assert.Multiple(() =>
        {
            foreach (var span in ours)
            {
                Assert.That(span.Kind, Is.EqualTo(ActivityKind.Client));
                Assert.That(span.ParentSpanId, Is.EqualTo(spans.Root!.SpanId), "a child of the caller's activity");
                Assert.That(span.GetTagItem("db.system.name"), Is.EqualTo("postgresql"));
                Assert.That(span.GetTagItem("db.namespace"), Is.EqualTo(ns));
                Assert.That(span.GetTagItem("server.address"), Is.Not.Null);
                Assert.That(span.GetTagItem("fraiseevents.stream.id"), Is.Null, "stream ids are recorded only when enabled");
                Assert.That(span.Status, Is.EqualTo(ActivityStatusCode.Unset));
            }

            Assert.That(ours.Select(s => s.GetTagItem("db.operation.name")), Is.EqualTo(new[] { "append", "read_stream", "read_all" }));
            Assert.That(ours[0].GetTagItem("fraiseevents.append.outcome"), Is.EqualTo("appended"));
            Assert.That(ours[0].GetTagItem("fraiseevents.event.count"), Is.EqualTo(2L));
        });
    }

    [Test]
    public async Task Npgsql_spans_nest_under_the_store_span_that_caused_them()
    {
        var store = await NewStoreAsync();
        using var spans = new SpanCollector(alsoNpgsql: true);

        using (spans.StartRoot())
        {
            await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1));
        }

        var append = spans.Ours().Single();
        var npgsql = spans.All().Where(s => s.Source.Name == "Npgsql").ToList();
        Assert.That(npgsql, Is.Not.Empty, "Npgsql reports its commands when someone listens to it");
        Assert.That(npgsql.Select(s => s.ParentSpanId).Distinct(), Is.EqualTo(new[] { append.SpanId }));
    }

    [Test]
    public async Task Stream_ids_are_recorded_when_the_option_allows_it()
    {
        var store = await NewStoreAsync(configurePostgres: o => o.RecordStreamIdsInTelemetry = true);
        var streamId = StreamId.New();
        using var spans = new SpanCollector();

        using (spans.StartRoot())
        {
            await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1));
            await store.ReadStreamAsync(streamId).ToListAsync();
        }

        Assert.That(spans.Ours().Select(s => s.GetTagItem("fraiseevents.stream.id")), Is.EqualTo(new[] { streamId.ToString(), streamId.ToString() }));
    }

    [Test]
    public async Task A_refused_append_and_a_failed_read_are_error_spans_with_the_error_type_and_no_message()
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1));
        using var spans = new SpanCollector();

        Exception? refused, notFound;
        using (spans.StartRoot())
        {
            // Not Assert.ThrowsAsync: it runs the call in an isolated context, outside the root activity.
            refused = await CatchAsync(() => store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1)));
            notFound = await CatchAsync(async () => await store.ReadStreamAsync(StreamId.New()).ToListAsync());
        }

        var ours = spans.Ours();
        Assert.That(refused, Is.TypeOf<WrongExpectedVersionException>());
        Assert.That(notFound, Is.TypeOf<StreamNotFoundException>());
        Assert.That(ours, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(ours.Select(s => s.Status), Is.All.EqualTo(ActivityStatusCode.Error));
            Assert.That(ours.Select(s => s.StatusDescription), Is.All.Null, "messages name stream ids");
            Assert.That(ours.Select(s => s.GetTagItem("error.type")),
                Is.EqualTo(new[] { typeof(WrongExpectedVersionException).FullName, typeof(StreamNotFoundException).FullName }));
            Assert.That(ours[0].GetTagItem("fraiseevents.append.outcome"), Is.EqualTo("conflict"));
        });
    }

    [Test]
    public async Task Aggregate_load_and_save_are_internal_spans_with_the_snapshot_and_store_spans_inside()
    {
        var store = await NewStoreAsync();
        var users = new AggregateRepository<UserAggregate>(store, id => new UserAggregate(id),
            new AggregateRepositoryOptions { Snapshots = SnapshotPolicy.Every(1) });
        var user = users.Create(StreamId.New());
        user.Register("Ada", "ada@example.com");
        using var spans = new SpanCollector();

        using (spans.StartRoot())
        {
            await users.SaveAsync(user);
            await users.GetAsync(user.Id);
        }

        var ours = spans.Ours();
        var save = ours.Single(s => s.OperationName == "save_aggregate");
        var load = ours.Single(s => s.OperationName == "load_aggregate");
        Assert.Multiple(() =>
        {
            Assert.That(save.Kind, Is.EqualTo(ActivityKind.Internal));
            Assert.That(save.GetTagItem("fraiseevents.aggregate.type"), Is.EqualTo(nameof(UserAggregate)));
            Assert.That(ours.Where(s => s.ParentSpanId == save.SpanId).Select(s => s.OperationName), Is.EqualTo(new[] { "append_with_snapshot" }));
            Assert.That(ours.Where(s => s.ParentSpanId == load.SpanId).Select(s => s.OperationName), Is.EqualTo(new[] { "read_stream_with_snapshot" }),
                "the state, the snapshot and the events after it in one read");
        });
    }

    [Test]
    public async Task Migrations_and_bulk_imports_have_spans()
    {
        using var spans = new SpanCollector();
        PostgresEventStore store;
        using (spans.StartRoot())
        {
            store = await NewStoreAsync();
            await store.BulkImportAsync([new BulkImportStream(StreamId.New(), TestEvents.Batch(3))]);
        }

        var ours = spans.Ours();
        Assert.That(ours.Select(s => s.OperationName), Is.EqualTo(new[] { "migrate", "bulk_import" }));
        Assert.That(ours[1].GetTagItem("fraiseevents.event.count"), Is.EqualTo(3L));
    }

    private static async Task<Exception?> CatchAsync(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    /// <summary>Collects every stopped FraiseEvents span (and Npgsql's, when asked) of the trace its root starts.</summary>
    private sealed class SpanCollector : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentQueue<Activity> _stopped = new();

        public SpanCollector(bool alsoNpgsql = false)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name is FraiseEventsTelemetry.ActivitySourceName or TestSourceName
                    || (alsoNpgsql && source.Name == "Npgsql"),
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if (Root is { } root && activity.TraceId == root.TraceId)
                    {
                        _stopped.Enqueue(activity);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public Activity? Root { get; private set; }

        public Activity StartRoot()
        {
            // A new trace, whatever activity the test runner may have open.
            Activity.Current = null;
            Root = TestSource.StartActivity("test", ActivityKind.Internal)!;
            return Root;
        }

        /// <summary>FraiseEvents spans, in the order they started.</summary>
        public List<Activity> Ours() => [.. All().Where(s => s.Source.Name == FraiseEventsTelemetry.ActivitySourceName)];

        public List<Activity> All() => [.. _stopped.OrderBy(s => s.StartTimeUtc)];

        public void Dispose() => _listener.Dispose();
    }
}
