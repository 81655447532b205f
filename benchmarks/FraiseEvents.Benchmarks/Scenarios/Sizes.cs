namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>How much work each scenario does: the sizes, or a tiny smoke run.</summary>
internal sealed record Sizes(
    int S1Appends,
    int S2Streams,
    int S2EventsPerStream,
    int S2PrimeStreams,
    int S2PrimeEventsPerStream,
    int S3Writers,
    int S3AppendsPerWriter,
    int S4Writers,
    TimeSpan S4Duration,
    int S5aEvents,
    int S5bStreams,
    int S5bEventsPerStream,
    int ReadPasses,
    int S8Appends)
{
    public static Sizes Full { get; } = new(2_000, 1_000, 100, 1_000, 100, 8, 250, 4, TimeSpan.FromSeconds(5), 10_000, 1_000, 10, 3, 500);

    public static Sizes Smoke { get; } = new(10, 4, 10, 10, 10, 2, 5, 2, TimeSpan.FromMilliseconds(300), 50, 10, 10, 1, 10);
}
