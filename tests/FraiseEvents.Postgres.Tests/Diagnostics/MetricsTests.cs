using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FraiseEvents.Aggregates;
using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Aggregates;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Snapshots;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests.Diagnostics;

/// <summary>
/// The measurements a listener receives. Listeners are process-wide and fixtures run in parallel,
/// so each test keeps only measurements tagged with its own store's namespace (database and schema).
/// </summary>
[TestFixture]
public sealed class MetricsTests : PostgresFixture
{
    [Test]
    public async Task Appends_are_counted_and_timed_by_outcome_including_idempotent_retries_and_conflicts()
    {
        var store = await NewStoreAsync();
        using var measurements = new MeasurementCollector($"{Database.Name}.{store.Schema}");
        var streamId = StreamId.New();
        var events = TestEvents.Batch(3);

        await store.AppendAsync(streamId, ExpectedVersion.NoStream, events);
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, events);
        Assert.ThrowsAsync<WrongExpectedVersionException>(() => store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1)));

        Assert.Multiple(() =>
        {
            var appends = measurements.Of("fraiseevents.appends");
            Assert.That(appends.Select(m => m.Tag("fraiseevents.append.outcome")), Is.EqualTo(new[] { "appended", "already_appended", "conflict" }));
            Assert.That(appends.Select(m => m.Value), Is.All.EqualTo(1));
            Assert.That(appends.Select(m => m.Tag("db.operation.name")), Is.All.EqualTo("append"));
            Assert.That(appends.Select(m => m.Tag("db.system.name")), Is.All.EqualTo("postgresql"));
            Assert.That(appends[2].Tag("error.type"), Is.EqualTo(typeof(WrongExpectedVersionException).FullName));

            var durations = measurements.Of("fraiseevents.append.duration");
            Assert.That(durations.Select(m => m.Tag("fraiseevents.append.outcome")), Is.EqualTo(new[] { "appended", "already_appended", "conflict" }));
            Assert.That(durations.Select(m => m.Value), Is.All.GreaterThan(0).And.All.LessThan(60), "seconds");

            Assert.That(measurements.Of("fraiseevents.events.appended").Select(m => m.Value), Is.EqualTo(new[] { 3.0 }));
            Assert.That(measurements.Of("fraiseevents.append.idempotent_retries").Select(m => m.Value), Is.EqualTo(new[] { 1.0 }));
            Assert.That(measurements.Of("fraiseevents.append.batch.size").Select(m => m.Value), Is.EqualTo(new[] { 1.0, 1.0, 1.0 }),
                "appends one after the other each go alone");
            Assert.That(measurements.Of("fraiseevents.append.conflicts").Select(m => m.Tag("error.type")),
                Is.EqualTo(new[] { typeof(WrongExpectedVersionException).FullName }));
            Assert.That(measurements.All().SelectMany(m => m.Tags.Values), Has.None.EqualTo(streamId.ToString()), "metrics never carry stream ids");
        });
    }

    [Test]
    public async Task Reads_are_timed_by_operation()
    {
        var store = await NewStoreAsync();
        using var measurements = new MeasurementCollector($"{Database.Name}.{store.Schema}");
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(2));

        await store.ReadStreamAsync(streamId).ToListAsync();
        await store.ReadStreamBackwardsAsync(streamId).ToListAsync();
        await store.ReadAllAsync(LogPosition.Start).ToListAsync();

        var reads = measurements.Of("fraiseevents.read.duration");
        Assert.That(reads.Select(m => m.Tag("db.operation.name")), Is.EqualTo(new[] { "read_stream", "read_stream_backwards", "read_all" }));
    }

    [Test]
    public async Task Aggregate_loads_count_snapshot_hits_and_misses_by_aggregate_type()
    {
        var store = await NewStoreAsync();
        using var measurements = new MeasurementCollector($"{Database.Name}.{store.Schema}");
        var users = new AggregateRepository<UserAggregate>(store, id => new UserAggregate(id),
            new AggregateRepositoryOptions { Snapshots = SnapshotPolicy.Every(2) });
        var user = users.Create(StreamId.New());
        user.Register("Ada", "ada@example.com");
        await users.SaveAsync(user);

        var beforeSnapshot = await users.GetAsync(user.Id);
        beforeSnapshot.Update(name: "Ada Lovelace");
        await users.SaveAsync(beforeSnapshot);
        await users.GetAsync(user.Id);

        Assert.That(measurements.Of("fraiseevents.snapshot.misses").Select(m => m.Tag("fraiseevents.aggregate.type")),
            Is.EqualTo(new[] { nameof(UserAggregate) }));
        Assert.That(measurements.Of("fraiseevents.snapshot.hits").Select(m => m.Tag("fraiseevents.aggregate.type")),
            Is.EqualTo(new[] { nameof(UserAggregate) }));
    }

    private sealed record Measurement(string Instrument, double Value, Dictionary<string, object?> Tags)
    {
        public object? Tag(string key) => Tags.GetValueOrDefault(key);
    }

    /// <summary>Every FraiseEvents measurement tagged with one store's namespace, in the order taken.</summary>
    private sealed class MeasurementCollector : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Measurement> _taken = new();

        public MeasurementCollector(string dbNamespace)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == FraiseEventsTelemetry.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Take(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Take(instrument, value, tags));
            _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Take(instrument, value, tags));
            _listener.Start();

            void Take(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
            {
                var dictionary = new Dictionary<string, object?>();
                foreach (var tag in tags)
                {
                    dictionary[tag.Key] = tag.Value;
                }

                if (Equals(dictionary.GetValueOrDefault("db.namespace"), dbNamespace))
                {
                    _taken.Enqueue(new Measurement(instrument.Name, value, dictionary));
                }
            }
        }

        public List<Measurement> Of(string instrument) => [.. _taken.Where(m => m.Instrument == instrument)];

        public List<Measurement> All() => [.. _taken];

        public void Dispose() => _listener.Dispose();
    }
}
