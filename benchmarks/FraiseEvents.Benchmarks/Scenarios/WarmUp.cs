namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>
/// How warm a run is before anything is timed, the same for every library. A user's process is
/// long-running, but every run here starts a new store (Marten: a new DocumentStore with freshly
/// generated code), so each run first does at least 500 appends and several passes of every read,
/// then pauses so the runtime can finish compiling the hot methods at its optimising tier.
/// </summary>
internal sealed record WarmUp(int Appends, int ReadPasses, TimeSpan Pause)
{
    public static WarmUp Full { get; } = new(500, 5, TimeSpan.FromMilliseconds(250));

    public static WarmUp Smoke { get; } = new(10, 1, TimeSpan.Zero);

    /// <summary>About the warm-up before 2026-12-02 (40 appends, one untimed read pass, no pause), to measure what the change does.</summary>
    public static WarmUp Light { get; } = new(40, 1, TimeSpan.Zero);
}
