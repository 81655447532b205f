using System.Collections.Concurrent;
using System.Diagnostics;
using NUnit.Framework;

namespace FraiseEvents.Conformance;

public abstract partial class EventStoreContract
{
    /// <summary>
    /// Random concurrent histories on a few streams, checked against what a linearizable store
    /// allows: every success and every conflict must fit one order of the stream's versions that
    /// respects real time. Set FRAISEEVENTS_SEED to replay a failing run.
    /// </summary>
    [Test]
    public async Task Random_concurrent_histories_are_linearizable_per_stream()
    {
        const int streams = 2, writers = 6, operationsPerWriter = 50;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FRAISEEVENTS_SEED"), out var fixedSeed)
            ? fixedSeed
            : TestContext.CurrentContext.Random.Next();
        TestContext.Out.WriteLine($"seed {seed} (set FRAISEEVENTS_SEED={seed} to replay)");
        var store = await CreateStoreAsync();
        var streamIds = Enumerable.Range(0, streams).Select(_ => StreamId.New()).ToArray();
        var history = new ConcurrentBag<HistoryEntry>();

        var outcomes = await RunConcurrently(writers, async writer =>
        {
            var random = new Random(seed + writer);
            var lastSeen = new long[streams];
            for (var i = 0; i < operationsPerWriter; i++)
            {
                var stream = random.Next(streams);
                var expectation = ChooseExpectation(random, lastSeen[stream]);
                var newEvent = new NewEvent(TestEvents.Created(i));
                var invoked = Stopwatch.GetTimestamp();
                try
                {
                    var result = await store.AppendAsync(streamIds[stream], expectation, [newEvent]);
                    lastSeen[stream] = result.NextExpectedVersion.Value;
                    history.Add(new HistoryEntry(stream, expectation, newEvent.EventId, invoked, Stopwatch.GetTimestamp(), result.NextExpectedVersion.Value, null));
                }
                catch (WrongExpectedVersionException ex)
                {
                    var actual = ex.ActualVersion?.Value ?? 0;
                    lastSeen[stream] = actual;
                    history.Add(new HistoryEntry(stream, expectation, newEvent.EventId, invoked, Stopwatch.GetTimestamp(), null, actual));
                }
            }
        });

        Assert.That(outcomes, Is.All.Null, "every append either succeeds or reports a wrong expected version");
        for (var stream = 0; stream < streams; stream++)
        {
            var entries = history.Where(h => h.Stream == stream).ToList();
            var stored = await ReadStreamOrEmpty(store, streamIds[stream]);
            CheckLinearizable(entries, stored, $"seed {seed}, stream {stream}");
        }
    }

    private static ExpectedVersion ChooseExpectation(Random random, long lastSeen) => random.Next(20) switch
    {
        < 11 => ExpectedVersion.Exactly(lastSeen),
        < 13 => ExpectedVersion.Exactly(Math.Max(0, lastSeen - 1 - random.Next(3))),
        13 => ExpectedVersion.Exactly(lastSeen + 1),
        < 16 => ExpectedVersion.Any,
        < 18 => ExpectedVersion.NoStream,
        _ => ExpectedVersion.StreamExists,
    };

    private static async Task<List<RecordedEvent>> ReadStreamOrEmpty(IEventStore store, StreamId streamId) =>
        await store.GetStreamStateAsync(streamId) is null ? [] : await ReadStream(store, streamId);

    private static void CheckLinearizable(List<HistoryEntry> entries, List<RecordedEvent> stored, string context)
    {
        // The successes are the stream, version for version: dense, each event once, nothing else.
        var successes = entries.Where(e => e.NewVersion is not null).OrderBy(e => e.NewVersion).ToList();
        Assert.That(successes.Select(s => s.NewVersion!.Value), Is.EqualTo(Enumerable.Range(1, successes.Count).Select(v => (long)v)),
            $"{context}: acknowledged versions are 1..n, each once");
        Assert.That(stored.Select(e => (e.Version.Value, e.EventId)), Is.EqualTo(successes.Select(s => (s.NewVersion!.Value, s.EventId))),
            $"{context}: the stream holds exactly the acknowledged events, at their versions");

        foreach (var success in successes)
        {
            var version = success.NewVersion!.Value;
            var before = version - 1;
            Assert.That(Admits(success.Expectation, before), Is.True,
                $"{context}: version {version} was appended with expectation {success.Expectation} while the stream was at {before}");
        }

        // Real time: a version cannot have been acknowledged before an earlier version's append began.
        for (var i = 1; i < successes.Count; i++)
        {
            Assert.That(successes[i].Responded, Is.GreaterThan(successes[i - 1].Invoked),
                $"{context}: version {i + 1} was acknowledged before the append of version {i} was sent");
        }

        // A conflict reports a version the stream really had at some instant of the call, and one
        // the expectation really did not admit.
        foreach (var conflict in entries.Where(e => e.NewVersion is null))
        {
            var actual = conflict.ActualVersion!.Value;
            Assert.That(Admits(conflict.Expectation, actual), Is.False,
                $"{context}: {conflict.Expectation} was refused although the reported version {actual} admits it");
            Assert.That(actual, Is.LessThanOrEqualTo(successes.Count), $"{context}: reported version {actual} was never written");
            if (actual > 0)
            {
                Assert.That(successes[(int)actual - 1].Invoked, Is.LessThan(conflict.Responded),
                    $"{context}: a conflict reported version {actual} before that version's append began");
            }

            if (actual < successes.Count)
            {
                Assert.That(successes[(int)actual].Responded, Is.GreaterThan(conflict.Invoked),
                    $"{context}: a conflict reported version {actual}, but version {actual + 1} was acknowledged before the call began");
            }
        }
    }

    /// <summary>Whether an append with this expectation may succeed on a stream at <paramref name="version"/> (0: no stream).</summary>
    private static bool Admits(ExpectedVersion expectation, long version) =>
        expectation == ExpectedVersion.Any
        || (expectation == ExpectedVersion.NoStream && version == 0)
        || (expectation == ExpectedVersion.StreamExists && version > 0)
        || (expectation.Value >= 0 && expectation.Value == version);

    private sealed record HistoryEntry(int Stream, ExpectedVersion Expectation, Guid EventId, long Invoked, long Responded, long? NewVersion,
        long? ActualVersion);
}
