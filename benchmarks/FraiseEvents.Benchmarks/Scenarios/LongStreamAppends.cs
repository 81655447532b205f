using System.Diagnostics;
using FraiseEvents.Benchmarks.Subjects;

namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>
/// S2-long: batched appends (10 events) with exact expected versions to long existing streams
/// (1,000 events each, loaded through the bulk path and analyzed first), one after another, round
/// robin over the streams.
/// </summary>
internal sealed class LongStreamAppends : Scenario
{
    public override string Id => "S2-long";

    public override string Description => "batched appends to long streams";

    public override async Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute)
    {
        var wide = WiderSizes.For(sizes);
        await WarmUpAppendsAsync(subject);
        var streams = Enumerable.Range(0, wide.LongStreams).Select(_ => Guid.CreateVersion7()).ToArray();
        var load = streams.Select(id => (id, Enumerable.Range(0, wide.LongStreamEvents).Select(i => UserEvents.For(id, i, int.MaxValue)).ToArray())).ToArray();
        if (!await subject.BulkImportAsync(load))
        {
            throw new InvalidOperationException($"{subject.Name} has no bulk path");
        }

        await execute("VACUUM ANALYZE");
        var versions = streams.Select(_ => (long)wide.LongStreamEvents).ToArray();
        var batches = new object[wide.LongAppends][];
        for (var i = 0; i < batches.Length; i++)
        {
            var s = i % streams.Length;
            var first = (int)versions[s] + (i / streams.Length * wide.LongBatch);
            batches[i] = [.. Enumerable.Range(first, wide.LongBatch).Select(v => UserEvents.For(streams[s], v, int.MaxValue))];
        }

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < batches.Length; i++)
        {
            var s = i % streams.Length;
            versions[s] = await subject.AppendAsync(streams[s], versions[s], batches[i])
                ?? throw new InvalidOperationException($"{subject.Name}: unexpected conflict with one writer");
        }

        return [new Measurement($"S2-long {wide.LongBatch} events to {wide.LongStreamEvents:N0}-event streams", "events/s", true,
            PerSecond((long)batches.Length * wide.LongBatch, watch.Elapsed))];
    }
}
