using FraiseEvents.Projections;

namespace FraiseEvents.Conformance.Projections;

/// <summary>Six async document projections, each counting a user stream's events into a document type of its own.</summary>
public static class SpreadProjections
{
    public static IReadOnlyList<string> Names { get; } = [.. Enumerable.Range(0, 6).Select(i => $"spread_{i}")];

    public static void AddAll(EventStoreOptions options) => options.Projections
        .Add(new Counting<S0>("spread_0")).Add(new Counting<S1>("spread_1")).Add(new Counting<S2>("spread_2"))
        .Add(new Counting<S3>("spread_3")).Add(new Counting<S4>("spread_4")).Add(new Counting<S5>("spread_5"));

    /// <summary>Each read model's count for a stream (0 where it has no document).</summary>
    public static async Task<int[]> LoadAllAsync(IDocumentReader reader, StreamId id) =>
    [
        (await reader.LoadAsync<Tally<S0>>(id))?.Events ?? 0, (await reader.LoadAsync<Tally<S1>>(id))?.Events ?? 0,
        (await reader.LoadAsync<Tally<S2>>(id))?.Events ?? 0, (await reader.LoadAsync<Tally<S3>>(id))?.Events ?? 0,
        (await reader.LoadAsync<Tally<S4>>(id))?.Events ?? 0, (await reader.LoadAsync<Tally<S5>>(id))?.Events ?? 0,
    ];

    /// <summary>How many events of a stream a projection has applied.</summary>
    public sealed record Tally<TSlot>(int Events);

    public sealed class Counting<TSlot> : DocumentProjection<Tally<TSlot>>
    {
        public Counting(string name)
            : base(name, ProjectionLifecycle.Async)
        {
            Create<UserCreated>(_ => new Tally<TSlot>(1));
            Apply<UserUpdated>((tally, _) => tally with { Events = tally.Events + 1 });
        }
    }

    public sealed class S0;

    public sealed class S1;

    public sealed class S2;

    public sealed class S3;

    public sealed class S4;

    public sealed class S5;
}
