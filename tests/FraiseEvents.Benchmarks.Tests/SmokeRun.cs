using FraiseEvents.Benchmarks;
using NUnit.Framework;

namespace FraiseEvents.Benchmarks.Tests;

/// <summary>
/// Runs every benchmark scenario once at a tiny size, so the benchmarks cannot rot. Checks that
/// each produced a number for both libraries; never how fast (no timed assertions).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SmokeRun
{
    [Test]
    public async Task Every_scenario_produces_a_result_for_FraiseEvents_and_Marten()
    {
        var connectionString = Environment.GetEnvironmentVariable("FRAISEEVENTS_TEST_CONNECTION");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Assert.Fail("The benchmark smoke run needs FRAISEEVENTS_TEST_CONNECTION; ./scripts/test.sh sets it.");
        }

        var output = Path.Combine(Path.GetTempPath(), $"fe-bench-smoke-{Environment.ProcessId}");
        using var log = new StringWriter();
        var records = await Runner.RunAsync(new RunnerOptions(connectionString!, [], Smoke: true, Repetitions: 1, output), log);
        var rows = Report.Summarize(records);
        await Report.WriteFilesAsync(output, records, rows, Report.Table(rows));

        var scenarios = records.Select(r => r.ScenarioId).Distinct();
        Assert.That(scenarios, Is.EquivalentTo(Runner.AllScenarios().Select(s => s.Id)));
        Assert.That(rows.Select(r => r.Row), Has.Some.StartsWith("S7 "), "S7 is measured under S3's load");
        Assert.That(rows.Select(r => r.Row), Has.Some.StartsWith("G ").And.Some.Contains("(FraiseEvents only"), "the growth scenario runs at a tiny size");
        Assert.Multiple(() =>
        {
            foreach (var row in rows)
            {
                Assert.That(row.Fraise, Is.Not.Null, $"{row.Row}: no FraiseEvents result");
                if (!row.Row.Contains("(FraiseEvents only", StringComparison.Ordinal))
                {
                    Assert.That(row.Marten, Is.Not.Null, $"{row.Row}: no Marten result");
                }

                Assert.That(row.Fraise?.Median, Is.GreaterThan(0).Or.Matches<double>(_ => row.Row.Contains("conflicts", StringComparison.Ordinal)),
                    $"{row.Row}: FraiseEvents measured nothing");
            }
        });
        Assert.That(rows.Where(r => r.Row.StartsWith("S5b ", StringComparison.Ordinal)).Select(r => r.Row.Split(", ")[1]),
            Is.EquivalentTo(new[] { "one query", "Marten batched query", "one call per stream" }), "S5b's three ways to read many streams");
        Assert.That(rows.Single(r => r.Row == "S1 single appends").Lean, Is.Not.Null, "the lean-table raw limit runs beside the append scenarios");
        Assert.That(rows.Single(r => r.Row == "S5-snapshot round trips per load").Fraise?.Median, Is.EqualTo(1),
            "FraiseEvents loads an aggregate with its snapshot in one round trip");
        Assert.That(rows.Where(r => r.Marten is not null).Select(r => r.RatioRange), Has.All.Not.Null, "every ratio has its per-repetition range");
        Assert.That(File.Exists(Path.Combine(output, "results.csv")) && File.Exists(Path.Combine(output, "results.json")));
        Directory.Delete(output, recursive: true);
    }
}
