using System.Diagnostics;
using System.Globalization;
using FraiseEvents.Benchmarks.Subjects;
using JasperFx.Events;
using Npgsql;

namespace FraiseEvents.Benchmarks;

/// <summary>
/// Where an append's time goes, measured as CPU rather than wall time so that a shared machine's
/// noise matters less: client CPU (this process), server CPU (every backend of the run's database,
/// read from /proc), WAL bytes per append, and wall time.
/// </summary>
internal static class Profiler
{
    public static async Task RunAsync(string adminConnectionString, int appends, TextWriter output)
    {
        output.WriteLine($"Profile of {appends:N0} sequential appends per shape (client and server CPU per append; server = all backends of the database).");
        output.WriteLine("| Library | Shape | wall µs | client CPU µs | server CPU µs | WAL bytes |");
        output.WriteLine("|---|---|---|---|---|---|");
        foreach (var (shape, events) in new[] { ("1 event, new stream", 1), ("1 event, existing stream", -1), ("100 events, new stream", 100) })
        {
            foreach (var (name, create) in Subjects())
            {
                await using var database = await BenchDatabase.CreateAsync(adminConnectionString);
                await using var subject = create(database.ConnectionString);
                await subject.SetUpAsync();
                var count = events == 100 ? appends / 5 : appends + Warmup;
                var work = Prepare(events, count);
                await RunAsync(subject, work[..Math.Min(Warmup, work.Length)]); // warm-up: tiered JIT, pool, prepared statements
                var before = await SnapshotAsync(database);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                await RunAsync(subject, work[Math.Min(Warmup, work.Length)..]);
                var wall = watch.Elapsed;
                var clientCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                var after = await SnapshotAsync(database);
                var n = work.Length - Math.Min(Warmup, work.Length);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {shape} | {wall.TotalMicroseconds / n:N0} | {clientCpu.TotalMicroseconds / n:N0} | {(after.CpuTicks - before.CpuTicks) * 1e6 / TicksPerSecond / n:N0} | {(after.Wal - before.Wal) / (double)n:N0} |"));
            }
        }
    }

    private const double TicksPerSecond = 100; // USER_HZ on Linux

    private const int Warmup = 300;

    private static IEnumerable<(string, Func<string, ISubject>)> Subjects() =>
    [
        (Runner.Fraise, cs => new FraiseSubject(cs)),
        (Runner.MartenQuick, cs => new MartenSubject(cs, EventAppendMode.Quick)),
        (Runner.MartenRich, cs => new MartenSubject(cs, EventAppendMode.Rich)),
        (Runner.Raw, cs => new RawNpgsqlSubject(cs)),
    ];

    private sealed record Work(Guid Stream, long? Expected, object[] Events);

    private static Work[] Prepare(int events, int count)
    {
        if (events > 0)
        {
            return [.. Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).Select(id => new Work(id, null, UserEvents.Stream(id, events)))];
        }

        // Existing streams: 20 streams, appended to in turn with exact expected versions.
        var streams = Enumerable.Range(0, 20).Select(_ => Guid.CreateVersion7()).ToArray();
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var id = streams[i % streams.Length];
            var version = i / streams.Length;
            return new Work(id, version == 0 ? null : version, [UserEvents.For(id, version, 1_000_000)]);
        })];
    }

    private static async Task RunAsync(ISubject subject, Work[] work)
    {
        foreach (var w in work)
        {
            if (await subject.AppendAsync(w.Stream, w.Expected, w.Events) is null)
            {
                throw new InvalidOperationException($"{subject.Name}: unexpected conflict");
            }
        }
    }

    private sealed record Snapshot(long CpuTicks, long Wal);

    private static async Task<Snapshot> SnapshotAsync(BenchDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT array_agg(pid), pg_current_wal_insert_lsn() - '0/0'::pg_lsn "
            + "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var pids = reader.IsDBNull(0) ? [] : reader.GetFieldValue<int[]>(0);
        long ticks = 0;
        foreach (var pid in pids)
        {
            try
            {
                var stat = await File.ReadAllTextAsync($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // A backend that ended meanwhile.
            }
        }

        return new Snapshot(ticks, (long)reader.GetDecimal(1));
    }
}
