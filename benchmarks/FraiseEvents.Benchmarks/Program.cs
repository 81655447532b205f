using System.Globalization;
using FraiseEvents.Benchmarks;

const string Usage = """
    Side-by-side benchmarks of FraiseEvents and Marten on one PostgreSQL server.

    usage: dotnet run -c Release --project benchmarks/FraiseEvents.Benchmarks -- [options] [scenario…]
      scenario         S1 S1-inline S2 S2-inline S2' S3 S4 S5a S5b S7 S8
                       S1-v4 S3-v4 S3-unbatched S3-multi S7-alone S2-long S5-snapshot (default: all),
                       G (growth to 5M events, only when named; sizes from FRAISEEVENTS_GROWTH_STEPS, e.g. 1000,200000,1000000)
      --smoke          every scenario once at a tiny size (CI)
      --reps N         repetitions per library (default 5)
      --out DIR        where to write results.csv, results.json, results.md (default benchmark-results)
      --light-warmup   the warm-up used before 2026-12-02 (40 appends, one read pass), to compare
      --only NAME      run one library only ("FraiseEvents", "Marten Quick", "Marten Rich", "raw Npgsql"), to profile it
      --profile        where an append's time goes: client and server CPU, WAL bytes per append
      --micro          BenchmarkDotNet micro-benchmarks with MemoryDiagnoser instead (serialization, S8 per operation)

    The server comes from FRAISEEVENTS_TEST_CONNECTION; scripts/benchmark.sh starts a throwaway one.
    """;

var scenarios = new List<string>();
var smoke = false;
var micro = false;
var lightWarmUp = false;
var profile = false;
var repetitions = 5;
var output = "benchmark-results";
string? only = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--smoke": smoke = true; break;
        case "--micro": micro = true; break;
        case "--light-warmup": lightWarmUp = true; break;
        case "--profile": profile = true; break;
        case "--reps": repetitions = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--out": output = args[++i]; break;
        case "--only": only = args[++i]; break;
        case "-h" or "--help": Console.WriteLine(Usage); return 0;
        default:
            if (micro)
            {
                scenarios.Add(args[i]);
                break;
            }

            if (args[i].StartsWith('-'))
            {
                Console.Error.WriteLine($"unknown option {args[i]}\n\n{Usage}");
                return 2;
            }

            scenarios.Add(args[i]);
            break;
    }
}

var connectionString = Environment.GetEnvironmentVariable("FRAISEEVENTS_TEST_CONNECTION");
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.Error.WriteLine("Set FRAISEEVENTS_TEST_CONNECTION to a PostgreSQL 15+ server you own, or run ./scripts/benchmark.sh, which starts a throwaway one.");
    return 2;
}

if (micro)
{
    MicroBenchmarks.Run([.. scenarios]);
    return 0;
}

if (profile)
{
    await Profiler.RunAsync(connectionString, smoke ? 100 : 2_000, Console.Out);
    return 0;
}

if (smoke)
{
    repetitions = 1;
}

var options = new RunnerOptions(connectionString, scenarios, smoke, repetitions, output, only, lightWarmUp);
Console.WriteLine($"Running {(smoke ? "a smoke run" : $"{repetitions} interleaved repetitions")} on {Environment.ProcessorCount} cores…");
var records = await Runner.RunAsync(options, Console.Out);
var rows = Report.Summarize(records);
var table = Report.Table(rows);
Console.WriteLine();
Console.WriteLine(table);
await Report.WriteFilesAsync(output, records, rows, table);
Console.WriteLine($"Results written to {Path.GetFullPath(output)}/results.{{csv,json,md}}");
return 0;
