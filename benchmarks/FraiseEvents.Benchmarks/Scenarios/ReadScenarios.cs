using System.Diagnostics;
using FraiseEvents.Benchmarks.Subjects;

namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>
/// Read scenarios warm up like the append scenarios, load their data through the library's own
/// bulk path, then vacuum, untimed. The timed read is first run <see cref="WarmUp.ReadPasses"/>
/// times untimed, then timed <see cref="Sizes.ReadPasses"/> times and the median pass is kept: one
/// pass of a 10,000-event read lasts ~50 ms, so a single timed pass measured mostly how far the
/// JIT had tiered the library's code up, not the library.
/// </summary>
internal abstract class ReadScenario : Scenario
{
    public override bool AppendModeMatters => false;

    public override bool HasLeanLimit => false;

    protected static async Task<double> MedianPassPerSecondAsync(ISubject subject, Sizes sizes, int expected, Func<Task<int>> read)
    {
        for (var pass = 0; pass < Warm.ReadPasses; pass++)
        {
            await read();
        }

        await Task.Delay(Warm.Pause);
        var rates = new double[sizes.ReadPasses];
        for (var pass = 0; pass < rates.Length; pass++)
        {
            var watch = Stopwatch.StartNew();
            var count = await read();
            var elapsed = watch.Elapsed;
            if (count != expected)
            {
                throw new InvalidOperationException($"{subject.Name} read {count} events, expected {expected}");
            }

            rates[pass] = PerSecond(count, elapsed);
        }

        Array.Sort(rates);
        return rates[rates.Length / 2];
    }

    protected static async Task LoadAsync(ISubject subject, Func<string, Task> vacuum, IReadOnlyList<(Guid, object[])> streams)
    {
        if (!await subject.BulkImportAsync(streams))
        {
            foreach (var (id, events) in streams)
            {
                await subject.AppendAsync(id, null, events);
            }
        }

        await vacuum("VACUUM ANALYZE");
    }
}

/// <summary>S5a: rehydrate one long stream.</summary>
internal sealed class RehydrateOne : ReadScenario
{
    public override string Id => "S5a";

    public override string Description => "rehydrate one long stream";

    public override async Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute)
    {
        await WarmUpAppendsAsync(subject);
        var stream = Guid.CreateVersion7();
        await LoadAsync(subject, execute, [(stream, UserEvents.Stream(stream, sizes.S5aEvents))]);
        var rate = await MedianPassPerSecondAsync(subject, sizes, sizes.S5aEvents, () => subject.RehydrateAsync(stream));
        return [new Measurement($"S5a rehydrate {sizes.S5aEvents:N0} events", "events/s", true, rate)];
    }
}

/// <summary>S5b: rehydrate many short streams, in the library's fastest way.</summary>
internal sealed class RehydrateMany : ReadScenario
{
    public override string Id => "S5b";

    public override string Description => "rehydrate many short streams";

    public override async Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute)
    {
        await WarmUpAppendsAsync(subject);
        var streams = Enumerable.Range(0, sizes.S5bStreams).Select(_ => Guid.CreateVersion7()).ToArray();
        await LoadAsync(subject, execute, [.. streams.Select(id => (id, UserEvents.Stream(id, sizes.S5bEventsPerStream)))]);
        var expected = sizes.S5bStreams * sizes.S5bEventsPerStream;
        var measurements = new List<Measurement>();
        foreach (var (way, label) in new[]
                 {
                     (ManyStreamsRead.OneQuery, "one query"),
                     (ManyStreamsRead.MartenBatch, "Marten batched query"),
                     (ManyStreamsRead.PerStream, "one call per stream"),
                 })
        {
            var rate = await MedianPassPerSecondAsync(subject, sizes, expected, () => subject.RehydrateManyAsync(streams, way));
            measurements.Add(new Measurement($"S5b rehydrate {sizes.S5bStreams:N0} × {sizes.S5bEventsPerStream}, {label}", "events/s", true, rate));
        }

        return measurements;
    }
}

/// <summary>
/// S8: bytes allocated by the process per appended event (one-event appends) and per rehydrated
/// event. Measured with the runtime's precise allocation counter while nothing else runs; the
/// BenchmarkDotNet MemoryDiagnoser runs (<c>--micro</c>) give the same figures per operation.
/// </summary>
internal sealed class Allocations : ReadScenario
{
    public override string Id => "S8";

    public override string Description => "allocations per event";

    public override bool AppendModeMatters => true;

    public override bool HasRawLimit => false;

    public override async Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute)
    {
        await WarmUpAppendsAsync(subject);
        var stream = Guid.CreateVersion7();
        var events = UserEvents.Stream(stream, sizes.S8Appends + 1);
        await subject.AppendAsync(stream, null, [events[0]]);
        for (var i = 1; i <= 5; i++)
        {
            await subject.AppendAsync(stream, i, [events[i]]);
        }

        long version = 6;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 6; i <= sizes.S8Appends; i++)
        {
            version = (await subject.AppendOrConflictAsync(stream, version, [events[i]])).Version ?? throw new InvalidOperationException("conflict");
        }

        var appendBytes = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)(sizes.S8Appends - 5);

        await execute("VACUUM ANALYZE");
        await subject.RehydrateAsync(stream);
        before = GC.GetTotalAllocatedBytes(precise: true);
        var count = await subject.RehydrateAsync(stream);
        var readBytes = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)count;
        return
        [
            new Measurement("S8 allocated per appended event", "bytes", false, appendBytes),
            new Measurement("S8 allocated per rehydrated event", "bytes", false, readBytes),
        ];
    }
}
