using FraiseEvents.Benchmarks.Subjects;

namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>
/// A scenario, written once against <see cref="ISubject"/>. <see cref="PrepareAsync"/> runs
/// untimed (warm-up, data to read); <see cref="RunAsync"/> times only the work itself.
/// </summary>
internal abstract class Scenario
{
    public abstract string Id { get; }

    public abstract string Description { get; }

    /// <summary>Whether Marten's Rich append mode is measured besides Quick (only where appends are timed).</summary>
    public virtual bool AppendModeMatters => true;

    /// <summary>
    /// Whether every library keeps the inline read model <see cref="UserView"/> while appending; the
    /// baseline is then FraiseEvents without it, instead of raw Npgsql.
    /// </summary>
    public virtual bool InlineProjection => false;

    /// <summary>Whether the raw-Npgsql limit exists for this shape.</summary>
    public virtual bool HasRawLimit => true;

    /// <summary>Whether raw Npgsql also runs on the lean table (same columns, primary key only): the physical limit.</summary>
    public virtual bool HasLeanLimit => HasRawLimit;

    /// <summary>FraiseEvents' natural write batching (<c>BatchConcurrentAppends</c>), on by default as in the library.</summary>
    public virtual bool FraiseBatching => true;

    /// <summary>Whether Marten keeps the inline snapshot projection (S5-snapshot).</summary>
    public virtual bool Snapshots => false;

    /// <summary>The warm-up of every run; the runner sets the smoke size for smoke runs.</summary>
    public static WarmUp Warm { get; set; } = WarmUp.Full;

    /// <summary>Whether a full run includes it only when named (a smoke run runs every scenario).</summary>
    public virtual bool OptIn => false;

    public abstract Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute);

    /// <summary>
    /// Appends and reads that compile code paths, fill pools and prepare statements before timing:
    /// <see cref="WarmUp.Appends"/> one-event appends (half create a stream, half extend one), a
    /// 100-event append, a version read, every kind of read, then a pause for tiered compilation.
    /// </summary>
    protected static async Task WarmUpAppendsAsync(ISubject subject)
    {
        var streams = new Guid[Math.Max(1, Warm.Appends / 2)];
        for (var i = 0; i < streams.Length; i++)
        {
            var id = streams[i] = Guid.CreateVersion7();
            await subject.AppendAsync(id, null, UserEvents.Stream(id, 1));
            await subject.AppendAsync(id, 1, [UserEvents.For(id, 1, 3)]);
        }

        var batch = Guid.CreateVersion7();
        await subject.AppendAsync(batch, null, UserEvents.Stream(batch, 100));
        await subject.GetVersionAsync(batch);
        var some = streams[..Math.Min(streams.Length, 50)];
        for (var pass = 0; pass < Warm.ReadPasses; pass++)
        {
            await subject.RehydrateAsync(batch);
            await subject.RehydrateManyAsync(some);
            foreach (var way in Enum.GetValues<ManyStreamsRead>())
            {
                await subject.RehydrateManyAsync(some, way);
            }
        }

        await Task.Delay(Warm.Pause);
    }

    /// <summary>A new stream id: time-ordered (UUIDv7, the default everywhere) or random (UUIDv4, the *-v4 variants).</summary>
    protected static Guid NewStreamId(bool random) => random ? Guid.NewGuid() : Guid.CreateVersion7();

    /// <summary>The <paramref name="p"/> quantile of sorted values (nearest rank).</summary>
    protected static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    protected static double PerSecond(long count, TimeSpan elapsed) => count / elapsed.TotalSeconds;
}
