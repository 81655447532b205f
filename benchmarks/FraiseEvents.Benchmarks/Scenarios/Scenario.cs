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

    /// <summary>Whether a full run includes it only when named (a smoke run runs every scenario).</summary>
    public virtual bool OptIn => false;

    public abstract Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute);

    /// <summary>Appends that compile code paths, fill pools and prepare statements before timing.</summary>
    protected static async Task WarmUpAppendsAsync(ISubject subject)
    {
        for (var i = 0; i < 20; i++)
        {
            var id = Guid.CreateVersion7();
            await subject.AppendAsync(id, null, UserEvents.Stream(id, 1));
            await subject.AppendAsync(id, 1, [UserEvents.For(id, 1, 3)]);
        }

        var batch = Guid.CreateVersion7();
        await subject.AppendAsync(batch, null, UserEvents.Stream(batch, 100));
        await subject.GetVersionAsync(batch);
    }

    protected static double PerSecond(long count, TimeSpan elapsed) => count / elapsed.TotalSeconds;
}
