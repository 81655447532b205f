using System.Diagnostics;
using FraiseEvents.Benchmarks.Subjects;

namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>
/// S7-alone: p50 and p99 latency of one-event appends to existing streams with no other load, one
/// after another (S7 measures the same under S3's eight writers).
/// </summary>
internal sealed class LatencyAlone : Scenario
{
    public override string Id => "S7-alone";

    public override string Description => "append latency with no other load";

    public override async Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute)
    {
        var wide = WiderSizes.For(sizes);
        await WarmUpAppendsAsync(subject);
        var streams = Enumerable.Range(0, wide.LatencyStreams).Select(_ => Guid.CreateVersion7()).ToArray();
        var versions = new long[streams.Length];
        for (var s = 0; s < streams.Length; s++)
        {
            versions[s] = await subject.AppendAsync(streams[s], null, UserEvents.Stream(streams[s], 1)) ?? throw new InvalidOperationException("conflict");
        }

        var latencies = new double[wide.LatencyAppends];
        for (var i = 0; i < latencies.Length; i++)
        {
            var s = i % streams.Length;
            var e = UserEvents.For(streams[s], (int)versions[s], int.MaxValue);
            var began = Stopwatch.GetTimestamp();
            versions[s] = await subject.AppendAsync(streams[s], versions[s], [e])
                ?? throw new InvalidOperationException($"{subject.Name}: unexpected conflict with one writer");
            latencies[i] = Stopwatch.GetElapsedTime(began).TotalMicroseconds;
        }

        Array.Sort(latencies);
        return
        [
            new Measurement("S7-alone latency p50, no other load", "µs", false, Percentile(latencies, 0.50)),
            new Measurement("S7-alone latency p99, no other load", "µs", false, Percentile(latencies, 0.99)),
        ];
    }
}
