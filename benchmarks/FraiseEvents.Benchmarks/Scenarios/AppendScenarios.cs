using System.Diagnostics;
using FraiseEvents.Benchmarks.Subjects;

namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>
/// S1: sequential one-event transactions, each on a new stream (S1-inline: with an inline read
/// model; S1-v4: random UUIDv4 stream ids instead of time-ordered UUIDv7).
/// </summary>
internal sealed class SingleAppends(bool inline = false, bool randomIds = false) : Scenario
{
    public override string Id => inline ? "S1-inline" : randomIds ? "S1-v4" : "S1";

    public override bool InlineProjection => inline;

    public override string Description => "single appends";

    public override async Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute)
    {
        await WarmUpAppendsAsync(subject);
        var streams = Enumerable.Range(0, sizes.S1Appends).Select(_ => NewStreamId(randomIds)).ToArray();
        var events = streams.Select(id => UserEvents.Stream(id, 1)).ToArray();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < streams.Length; i++)
        {
            await subject.AppendAsync(streams[i], null, events[i]);
        }

        return [new Measurement($"{Id} single appends", "events/s", true, PerSecond(streams.Length, watch.Elapsed))];
    }
}

/// <summary>S2: one append of 100 events per stream, streams one after another (S2-inline: with an inline read model).</summary>
internal sealed class BatchedAppends(bool inline = false) : Scenario
{
    public override string Id => inline ? "S2-inline" : "S2";

    public override bool InlineProjection => inline;

    public override string Description => "batched appends";

    public override async Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute)
    {
        await WarmUpAppendsAsync(subject);
        var streams = Enumerable.Range(0, sizes.S2Streams).Select(_ => Guid.CreateVersion7()).ToArray();
        var events = streams.Select(id => UserEvents.Stream(id, sizes.S2EventsPerStream)).ToArray();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < streams.Length; i++)
        {
            await subject.AppendAsync(streams[i], null, events[i]);
        }

        return [new Measurement($"{Id} batched {sizes.S2EventsPerStream}/stream", "events/s", true,
            PerSecond((long)streams.Length * sizes.S2EventsPerStream, watch.Elapsed))];
    }
}

/// <summary>S2': the library's bulk path (binary COPY), all streams in one call.</summary>
internal sealed class BulkImport : Scenario
{
    public override string Id => "S2'";

    public override string Description => "bulk import";

    public override bool AppendModeMatters => false;

    public override async Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute)
    {
        // Bulk imports warm the import path alone (the append warm-up would not exercise it).
        for (var pass = 0; pass < Warm.ReadPasses; pass++)
        {
            await subject.BulkImportAsync([.. Enumerable.Range(0, 20).Select(_ => Guid.CreateVersion7()).Select(id => (id, UserEvents.Stream(id, 10)))]);
        }

        await Task.Delay(Warm.Pause);
        var streams = Enumerable.Range(0, sizes.S2PrimeStreams)
            .Select(_ => Guid.CreateVersion7())
            .Select(id => (id, UserEvents.Stream(id, sizes.S2PrimeEventsPerStream)))
            .ToArray();
        var watch = Stopwatch.StartNew();
        await subject.BulkImportAsync(streams);
        return [new Measurement("S2' bulk import", "events/s", true,
            PerSecond((long)streams.Length * sizes.S2PrimeEventsPerStream, watch.Elapsed))];
    }
}

/// <summary>
/// S3 and S7: concurrent writers, each appending one event at a time to its own stream; latency of
/// every append. Variants: S3-v4 (random UUIDv4 stream ids), S3-unbatched (FraiseEvents with
/// <c>BatchConcurrentAppends = false</c>: every append its own round trip and transaction).
/// </summary>
internal sealed class ConcurrentWriters(string id = "S3", bool randomIds = false, bool batching = true) : Scenario
{
    public override string Id => id;

    public override bool FraiseBatching => batching;

    public override string Description => "concurrent writers, and S7 latency under that load";

    public override async Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute)
    {
        await WarmUpAppendsAsync(subject);
        var latencies = new double[sizes.S3Writers][];
        using var start = new SemaphoreSlim(0);
        var writers = Enumerable.Range(0, sizes.S3Writers).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new double[sizes.S3AppendsPerWriter];
            var stream = NewStreamId(randomIds);
            var events = UserEvents.Stream(stream, sizes.S3AppendsPerWriter);
            await start.WaitAsync();
            long? version = null;
            for (var i = 0; i < events.Length; i++)
            {
                var began = Stopwatch.GetTimestamp();
                version = await subject.AppendAsync(stream, version, [events[i]])
                    ?? throw new InvalidOperationException($"{subject.Name}: unexpected conflict on a stream with one writer");
                mine[i] = Stopwatch.GetElapsedTime(began).TotalMicroseconds;
            }
        })).ToArray();

        var watch = Stopwatch.StartNew();
        start.Release(sizes.S3Writers);
        await Task.WhenAll(writers);
        var elapsed = watch.Elapsed;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return
        [
            new Measurement($"{Id} {sizes.S3Writers} writers", "events/s", true, PerSecond(all.Length, elapsed)),
            new Measurement($"S7 latency p50 under {Id}", "µs", false, Percentile(all, 0.50)),
            new Measurement($"S7 latency p99 under {Id}", "µs", false, Percentile(all, 0.99)),
        ];
    }
}

/// <summary>S4: writers racing on one stream with expected versions; a loser reloads the version and retries.</summary>
internal sealed class HotStream : Scenario
{
    public override string Id => "S4";

    public override string Description => "one hot stream";

    public override async Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute)
    {
        await WarmUpAppendsAsync(subject);
        var stream = Guid.CreateVersion7();
        await subject.AppendAsync(stream, null, UserEvents.Stream(stream, 1));
        long successes = 0, conflicts = 0;
        using var start = new SemaphoreSlim(0);
        var deadline = 0L;
        var writers = Enumerable.Range(0, sizes.S4Writers).Select(_ => Task.Run(async () =>
        {
            await start.WaitAsync();
            long version = 1;
            var i = 0;
            while (Stopwatch.GetTimestamp() < Volatile.Read(ref deadline))
            {
                var next = await subject.AppendAsync(stream, version, [UserEvents.For(stream, 1 + (i++ % 50), 100)]);
                if (next is { } v)
                {
                    version = v;
                    Interlocked.Increment(ref successes);
                }
                else
                {
                    Interlocked.Increment(ref conflicts);
                    // Every library reloads the version (the same work), though FraiseEvents reports it with the
                    // conflict: retrying at once raised contention on the stream and lowered successes.
                    version = await subject.GetVersionAsync(stream);
                }
            }
        })).ToArray();

        var watch = Stopwatch.StartNew();
        Volatile.Write(ref deadline, Stopwatch.GetTimestamp() + (long)(sizes.S4Duration.TotalSeconds * Stopwatch.Frequency));
        start.Release(sizes.S4Writers);
        await Task.WhenAll(writers);
        var elapsed = watch.Elapsed;
        return
        [
            new Measurement("S4 hot stream, successes", "appends/s", true, PerSecond(successes, elapsed)),
            new Measurement("S4 hot stream, conflicts", "conflicts/s", false, PerSecond(conflicts, elapsed)),
        ];
    }
}
