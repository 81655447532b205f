using System.Diagnostics;
using System.Globalization;
using System.Text;
using FraiseEvents.Benchmarks.Subjects;
using Npgsql;

namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>
/// G: what each operation costs as the log grows. The log is grown step by step (streams of 100
/// events through each library's bulk path, VACUUM ANALYZE after each step) and, at each size,
/// the same operations are timed one by one: appends to a new and to an existing stream, a read
/// and fold of one stream, a page of the global log, a stream's state, a read as of a time, an
/// audit by author (FraiseEvents only: Marten has no author column), and the bytes each event
/// takes. A CHECKPOINT precedes the appends, so every size starts them from the same state, and
/// the WAL they write (bytes per append, and how much of it is full-page images, of btree pages in
/// particular) is reported beside their latency.
/// </summary>
/// <remarks>
/// The sizes are 1k (the start: reads need something to read), 500k, 2M and 5M events, or the
/// comma-separated list in <see cref="StepsVariable"/>; a smoke run uses a few hundred events.
/// Not part of a default full run (minutes per library at 5M, and 2.3 GB of disk); name it: <c>-- G --reps 1</c>.
/// </remarks>
internal sealed class GrowthScenario : Scenario
{
    public const string StepsVariable = "FRAISEEVENTS_GROWTH_STEPS";

    private const int EventsPerStream = 100;
    private const int StreamsPerImport = 1_000;
    private const int Authors = 1_000;

    public override string Id => "G";

    public override string Description => "costs as the log grows (1k → 500k → 2M → 5M events)";

    public override bool AppendModeMatters => false;

    public override bool HasRawLimit => false;

    public override bool OptIn => true;

    private static IReadOnlyList<long> Steps(bool smoke)
    {
        if (smoke)
        {
            return [200, 600];
        }

        var configured = Environment.GetEnvironmentVariable(StepsVariable);
        return string.IsNullOrWhiteSpace(configured)
            ? [1_000, 500_000, 2_000_000, 5_000_000]
            : [.. configured.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture))];
    }

    public override async Task<IReadOnlyList<Measurement>> RunAsync(ISubject subject, Sizes sizes, Func<string, Task> execute)
    {
        var smoke = sizes == Sizes.Smoke;
        var samples = smoke ? 10 : 1_000;
        var probe = GrowthProbe.For(subject);
        var random = new Random(42);
        var authors = Enumerable.Range(0, Authors).Select(_ => Guid.NewGuid()).ToArray();
        var streams = new List<Guid>();
        var versions = new Dictionary<Guid, long>();
        var measurements = new List<Measurement>();
        long loaded = 0;
        await probe.PrepareAsync();
        await WarmUpAppendsAsync(subject);

        foreach (var step in Steps(smoke))
        {
            while (loaded < step)
            {
                var count = (int)Math.Min(StreamsPerImport, Math.Max(1, (step - loaded) / EventsPerStream));
                var batch = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToArray();
                await probe.LoadAsync([.. batch.Select(id => (id, UserEvents.Stream(id, EventsPerStream)))], authors);
                streams.AddRange(batch);
                loaded += count * EventsPerStream;
            }

            await execute("VACUUM ANALYZE");
            var label = Label(step);
            void Add(string row, string unit, double value) => measurements.Add(new Measurement($"G {label} {row}", unit, false, value));

            var (heap, indexes, total, withStreams, events) = await probe.StorageAsync();
            Add("bytes/event, event table heap", "B", heap / (double)events);
            Add("bytes/event, event table indexes", "B", indexes / (double)events);
            Add("bytes/event, event table total", "B", total / (double)events);
            Add("bytes/event, with the streams table", "B", withStreams / (double)events);

            // Existing streams: each sample appends one event to a random loaded stream.
            await execute("CHECKPOINT");
            var wal = await probe.WalMarkAsync();
            var existing = await TimeAsync(samples, async () =>
            {
                var id = streams[random.Next(streams.Count)];
                var version = versions.GetValueOrDefault(id, EventsPerStream);
                versions[id] = await subject.AppendAsync(id, version, [UserEvents.For(id, 1, 3)])
                    ?? throw new InvalidOperationException($"{subject.Name}: unexpected conflict on stream {id}");
            });
            var written = await probe.WalSinceAsync(wal);
            Add("existing-stream append p50", "µs", PercentileOf(existing, 0.50));
            Add("existing-stream append p99", "µs", PercentileOf(existing, 0.99));
            Add("existing-stream append, WAL bytes each", "B", written.Bytes / (double)(samples + 1));
            Add("existing-stream append, WAL of full-page images each", "B", written.FullPageImageBytes / (double)(samples + 1));
            Add("existing-stream append, WAL of btree full-page images each", "B", written.BtreeFullPageImageBytes / (double)(samples + 1));

            var created = await TimeAsync(samples, async () =>
            {
                var id = Guid.CreateVersion7();
                await subject.AppendAsync(id, null, UserEvents.Stream(id, 1));
            });
            Add("new-stream append p50", "µs", PercentileOf(created, 0.50));
            Add("new-stream append p99", "µs", PercentileOf(created, 0.99));

            var reads = samples / 2;
            Add("read+fold one stream p50", "µs", PercentileOf(await TimeAsync(reads, async () =>
            {
                var id = streams[random.Next(streams.Count)];
                if (await subject.RehydrateAsync(id) < EventsPerStream)
                {
                    throw new InvalidOperationException($"{subject.Name}: stream {id} read short");
                }
            }), 0.50));
            Add("stream state p50", "µs", PercentileOf(await TimeAsync(reads, async () => await subject.GetVersionAsync(streams[random.Next(streams.Count)])), 0.50));
            Add("read as of a time p50", "µs", PercentileOf(await TimeAsync(reads, async () =>
                await probe.ReadAsOfAsync(streams[random.Next(streams.Count)], DateTimeOffset.UtcNow)), 0.50));

            // A page of the global log after a random stream's first event: middle of the log, not its start.
            var pages = samples / 10;
            var starts = new List<Guid>(pages);
            for (var i = 0; i <= pages; i++) // one more for the untimed first call
            {
                starts.Add(streams[random.Next(streams.Count)]);
            }

            var cursors = await probe.LogCursorsAsync(starts);
            var pageIndex = 0;
            Add("global log page of 1,000 p50", "µs", PercentileOf(await TimeAsync(pages, async () => await probe.ReadLogPageAsync(cursors[pageIndex++], 1_000)), 0.50));

            if (probe.AuditsByAuthor)
            {
                // Without the opt-in index every audit reads the whole log: a few samples suffice.
                Add("audit by author p50 (FraiseEvents only, default: no index)", "µs",
                    PercentileOf(await TimeAsync(smoke ? 3 : 10, async () => await probe.AuditByAuthorAsync(authors[random.Next(authors.Length)])), 0.50));
                await probe.IndexByAuthorAsync(true);
                await execute("ANALYZE");
                Add("audit by author p50 (FraiseEvents only, IndexEventsByAuthor)", "µs",
                    PercentileOf(await TimeAsync(reads, async () => await probe.AuditByAuthorAsync(authors[random.Next(authors.Length)])), 0.50));
                await probe.IndexByAuthorAsync(false);
            }
        }

        Console.WriteLine();
        Console.WriteLine(Table(subject.Name, measurements, [.. Steps(smoke).Select(Label)]));
        return measurements;
    }

    private static async Task<double[]> TimeAsync(int count, Func<Task> operation)
    {
        await operation(); // untimed: the first call of a shape plans and prepares
        var times = new double[count];
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            await operation();
            times[i] = watch.Elapsed.TotalMicroseconds;
        }

        return times;
    }

    private static double PercentileOf(double[] values, double fraction) => Percentile([.. values.Order()], fraction);

    private static string Label(long events) => events switch
    {
        >= 1_000_000 when events % 1_000_000 == 0 => $"{events / 1_000_000}M",
        >= 1_000 when events % 1_000 == 0 => $"{events / 1_000}k",
        _ => events.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>One library's rows by size, and the last size over the second (the first after the start).</summary>
    private static string Table(string library, List<Measurement> measurements, string[] labels)
    {
        var text = new StringBuilder();
        var reference = labels.Length > 2 ? 1 : 0;
        text.AppendLine(CultureInfo.InvariantCulture, $"Growth, {library}:");
        text.AppendLine(CultureInfo.InvariantCulture, $"| Operation | Unit | {string.Join(" | ", labels)} | {labels[^1]} / {labels[reference]} |");
        text.AppendLine($"|---|---|{string.Concat(Enumerable.Repeat("---|", labels.Length))}---|");
        foreach (var row in measurements.GroupBy(m => m.Row[(m.Row.IndexOf(' ', 2) + 1)..]))
        {
            var values = labels.Select(l => row.FirstOrDefault(m => m.Row.StartsWith($"G {l} ", StringComparison.Ordinal))?.Value).ToArray();
            var ratio = values[^1] is { } last && values[reference] is { } first && first > 0 ? $"{last / first:N2}×" : "–";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Key} | {row.First().Unit} | {string.Join(" | ", values.Select(v => v is { } x ? Report.Format(x) : "–"))} | {ratio} |");
        }

        return text.ToString();
    }
}
