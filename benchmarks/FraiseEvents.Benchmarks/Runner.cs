using System.Diagnostics;
using FraiseEvents.Benchmarks.Scenarios;
using FraiseEvents.Benchmarks.Subjects;
using JasperFx.Events;

namespace FraiseEvents.Benchmarks;

/// <summary>What to run.</summary>
internal sealed record RunnerOptions(string ConnectionString, IReadOnlyList<string> Scenarios, bool Smoke, int Repetitions, string OutputDirectory, string? Only = null,
    bool LightWarmUp = false);

/// <summary>One number of one run: which scenario row, which library, which repetition.</summary>
internal sealed record RunRecord(string ScenarioId, string Row, string Unit, bool HigherIsBetter, string Subject, int Repetition, double Value);

/// <summary>
/// Runs every scenario for every library, interleaved: repetition by repetition, each library in
/// turn (the order rotates), each run in a fresh database, so drift of a shared machine hits all
/// libraries alike.
/// </summary>
internal static class Runner
{
    public const string Fraise = "FraiseEvents";
    public const string MartenQuick = "Marten Quick";
    public const string MartenRich = "Marten Rich";
    public const string Raw = "raw Npgsql";
    public const string RawLean = "raw Npgsql, lean table";
    public const string FraiseWithoutProjection = "FraiseEvents without projection";

    public static IReadOnlyList<Scenario> AllScenarios() =>
        [new SingleAppends(), new SingleAppends(inline: true), new BatchedAppends(), new BatchedAppends(inline: true), new BulkImport(), new ConcurrentWriters(), new HotStream(),
         new RehydrateOne(), new RehydrateMany(), new Allocations(),
         // A fairer, wider comparison: random stream ids, batching off, multi-stream transactions, latency alone, long streams, snapshots.
         new SingleAppends(randomIds: true), new ConcurrentWriters("S3-v4", randomIds: true), new ConcurrentWriters("S3-unbatched", batching: false),
         new MultiStreamWriters(), new LatencyAlone(), new LongStreamAppends(), new SnapshotLoads(),
         new GrowthScenario()];

    public static IReadOnlyList<Scenario> Select(IReadOnlyList<string> ids)
    {
        var all = AllScenarios();
        if (ids.Count == 0)
        {
            return all;
        }

        // S7 is measured during S3's load.
        var wanted = ids.Select(id => id.Equals("S7", StringComparison.OrdinalIgnoreCase) ? "S3" : id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unknown = wanted.Except(all.Select(s => s.Id), StringComparer.OrdinalIgnoreCase).ToArray();
        if (unknown.Length > 0)
        {
            throw new ArgumentException($"Unknown scenario(s) {string.Join(", ", unknown)}; known: {string.Join(" ", all.Select(s => s.Id))} S7");
        }

        return [.. all.Where(s => wanted.Contains(s.Id))];
    }

    public static async Task<IReadOnlyList<RunRecord>> RunAsync(RunnerOptions options, TextWriter log)
    {
        var sizes = options.Smoke ? Sizes.Smoke : Sizes.Full;
        Scenario.Warm = options.Smoke ? WarmUp.Smoke : options.LightWarmUp ? WarmUp.Light : WarmUp.Full;
        var records = new List<RunRecord>();
        foreach (var scenario in Select(options.Scenarios).Where(s => options.Smoke || options.Scenarios.Count > 0 || !s.OptIn))
        {
            var inline = scenario.InlineProjection;
            var subjects = new List<(string Name, Func<string, ISubject> Create)>
            {
                (Fraise, cs => new FraiseSubject(cs, inline, scenario.FraiseBatching)),
                (MartenQuick, cs => new MartenSubject(cs, EventAppendMode.Quick, inline, scenario.Snapshots)),
            };
            if (scenario.AppendModeMatters)
            {
                subjects.Add((MartenRich, cs => new MartenSubject(cs, EventAppendMode.Rich, inline, scenario.Snapshots)));
            }

            if (inline)
            {
                // What the read model costs FraiseEvents: the same appends without it.
                subjects.Add((FraiseWithoutProjection, cs => new FraiseSubject(cs)));
            }
            else if (scenario.HasRawLimit)
            {
                subjects.Add((Raw, cs => new RawNpgsqlSubject(cs)));
                if (scenario.HasLeanLimit)
                {
                    subjects.Add((RawLean, cs => new RawNpgsqlSubject(cs, lean: true)));
                }
            }

            if (options.Only is { } only)
            {
                subjects.RemoveAll(s => !s.Name.Equals(only, StringComparison.OrdinalIgnoreCase));
            }

            for (var rep = 1; rep <= options.Repetitions; rep++)
            {
                // Rotate the order so no library always runs first (or right after a heavy one).
                for (var k = 0; k < subjects.Count; k++)
                {
                    var (name, create) = subjects[(k + rep - 1) % subjects.Count];
                    var watch = Stopwatch.StartNew();
                    await using var database = await BenchDatabase.CreateAsync(options.ConnectionString);
                    await using var subject = create(database.ConnectionString);
                    await subject.SetUpAsync();
                    var measurements = await scenario.RunAsync(subject, sizes, database.ExecuteAsync);
                    foreach (var m in measurements)
                    {
                        records.Add(new RunRecord(scenario.Id, m.Row, m.Unit, m.HigherIsBetter, name, rep, m.Value));
                        log.WriteLine($"  {scenario.Id} rep {rep} {name,-13} {m.Row,-36} {m.Value,12:N0} {m.Unit}");
                    }

                    log.WriteLine($"  ({name} run took {watch.Elapsed.TotalSeconds:N1} s with set-up)");
                }
            }
        }

        return records;
    }
}
