using System.Diagnostics;
using FraiseEvents.Benchmarks.Subjects;

namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>
/// S5-snapshot: load aggregates that have a snapshot, one after another. FraiseEvents:
/// AggregateRepository with a snapshot every 100 events, so a 105-event stream loads its snapshot at
/// 100 and 5 events, in one round trip (ISnapshotStore.ReadStreamWithSnapshotAsync). Marten: the
/// same state as an inline snapshot projection, always current, loaded with FetchLatest. Also counts
/// each library's round trips per load (Npgsql's activities, outside the timed passes).
/// </summary>
internal sealed class SnapshotLoads : ReadScenario
{
    public override string Id => "S5-snapshot";

    public override string Description => "aggregate loads with a snapshot";

    public override bool HasRawLimit => false;

    public override bool Snapshots => true;

    public override async Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute)
    {
        var wide = WiderSizes.For(sizes);
        await WarmUpAppendsAsync(subject);
        var streams = Enumerable.Range(0, wide.SnapshotStreams).Select(_ => Guid.CreateVersion7()).ToArray();
        await subject.CreateAggregatesAsync(
            [.. streams.Select(id => (id, Enumerable.Range(0, wide.SnapshotEvents).Select(i => UserEvents.For(id, i, int.MaxValue)).ToArray()))],
            FraiseSubject.SnapshotEvery);
        await execute("VACUUM ANALYZE");

        var rate = await MedianPassPerSecondAsync(subject, sizes, streams.Length, async () =>
        {
            foreach (var id in streams)
            {
                var version = await subject.LoadAggregateAsync(id);
                if (version != wide.SnapshotEvents)
                {
                    throw new InvalidOperationException($"{subject.Name} loaded version {version}, expected {wide.SnapshotEvents}");
                }
            }

            return streams.Length;
        });

        var roundTrips = await CountRoundTripsAsync(() => subject.LoadAggregateAsync(streams[0]));
        return
        [
            new Measurement($"S5-snapshot aggregate loads ({wide.SnapshotEvents} events, snapshot at {FraiseSubject.SnapshotEvery})", "loads/s", true, rate),
            new Measurement("S5-snapshot round trips per load", "round trips", false, roundTrips),
        ];
    }

    /// <summary>Npgsql starts one activity per command or batch sent, that is per round trip.</summary>
    private static async Task<int> CountRoundTripsAsync(Func<Task> action)
    {
        var count = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _ => Interlocked.Increment(ref count),
        };
        ActivitySource.AddActivityListener(listener);
        await action();
        return count;
    }
}
