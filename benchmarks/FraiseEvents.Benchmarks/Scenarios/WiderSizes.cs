namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>
/// Sizes of the scenarios added for a fairer, wider comparison (S7-alone, S2-long, S5-snapshot,
/// S3-multi), kept apart from <see cref="Sizes"/>; tiny in smoke runs.
/// </summary>
internal sealed record WiderSizes(
    int LatencyStreams,
    int LatencyAppends,
    int LongStreams,
    int LongStreamEvents,
    int LongAppends,
    int LongBatch,
    int SnapshotStreams,
    int SnapshotEvents,
    int MultiStreamsPerCall)
{
    public static WiderSizes Full { get; } = new(100, 1_000, 10, 1_000, 300, 10, 200, 105, 4);

    public static WiderSizes Smoke { get; } = new(3, 10, 2, 20, 4, 10, 2, 105, 2);

    public static WiderSizes For(Sizes sizes) => ReferenceEquals(sizes, Sizes.Smoke) ? Smoke : Full;
}
