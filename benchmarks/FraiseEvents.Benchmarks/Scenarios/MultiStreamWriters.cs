using System.Diagnostics;
using FraiseEvents.Benchmarks.Subjects;

namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>
/// S3-multi: S3's concurrent writers, each appending one event to each of several of its own
/// streams per transaction (FraiseEvents' AppendToStreamsAsync, one Marten session and
/// SaveChangesAsync, one raw INSERT of all the rows).
/// </summary>
internal sealed class MultiStreamWriters : Scenario
{
    public override string Id => "S3-multi";

    public override string Description => "concurrent multi-stream appends";

    public override async Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute)
    {
        var wide = WiderSizes.For(sizes);
        await WarmUpAppendsAsync(subject);
        var calls = Math.Max(1, sizes.S3AppendsPerWriter / wide.MultiStreamsPerCall);
        var owned = new Guid[sizes.S3Writers][];
        for (var w = 0; w < owned.Length; w++)
        {
            owned[w] = [.. Enumerable.Range(0, wide.MultiStreamsPerCall).Select(_ => Guid.CreateVersion7())];
            foreach (var id in owned[w])
            {
                await subject.AppendAsync(id, null, UserEvents.Stream(id, 1));
            }
        }

        // Warm the multi-stream path itself (once per writer's streams), untimed.
        var versions = owned.Select(streams => streams.Select(_ => 1L).ToArray()).ToArray();
        for (var w = 0; w < owned.Length; w++)
        {
            await AppendOnceAsync(subject, owned[w], versions[w]);
        }

        await Task.Delay(Warm.Pause);
        using var start = new SemaphoreSlim(0);
        var writers = Enumerable.Range(0, sizes.S3Writers).Select(w => Task.Run(async () =>
        {
            await start.WaitAsync();
            for (var c = 0; c < calls; c++)
            {
                await AppendOnceAsync(subject, owned[w], versions[w]);
            }
        })).ToArray();

        var watch = Stopwatch.StartNew();
        start.Release(sizes.S3Writers);
        await Task.WhenAll(writers);
        var elapsed = watch.Elapsed;
        return [new Measurement($"S3-multi {sizes.S3Writers} writers × {wide.MultiStreamsPerCall} streams per transaction", "events/s", true,
            PerSecond((long)sizes.S3Writers * calls * wide.MultiStreamsPerCall, elapsed))];
    }

    private static async Task AppendOnceAsync(ISubject subject, Guid[] streams, long[] versions)
    {
        var appends = new (Guid, long, object[])[streams.Length];
        for (var s = 0; s < streams.Length; s++)
        {
            appends[s] = (streams[s], versions[s], [UserEvents.For(streams[s], (int)versions[s], int.MaxValue)]);
        }

        if (!await subject.AppendToStreamsAsync(appends))
        {
            throw new InvalidOperationException($"{subject.Name}: unexpected conflict on streams with one writer");
        }

        for (var s = 0; s < streams.Length; s++)
        {
            versions[s]++;
        }
    }
}
