using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FraiseEvents.Benchmarks;

/// <summary>Median and range of one row for one library.</summary>
internal sealed record Stat(double Median, double Min, double Max, int Runs)
{
    public static Stat? Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new Stat(median, sorted[0], sorted[^1], sorted.Length);
    }

    public override string ToString() => $"{Report.Format(Median)} [{Report.Format(Min)}–{Report.Format(Max)}]";
}

/// <summary>One line of the table.</summary>
internal sealed record SummaryRow(string Row, string Unit, bool HigherIsBetter, Stat? Fraise, Stat? MartenQuick, Stat? MartenRich, Stat? Raw,
    string? Target, double? TargetRatio, double? TargetRawFraction)
{
    /// <summary>Raw Npgsql on the lean table (same columns, primary key only): the physical limit.</summary>
    public Stat? Lean { get; init; }

    /// <summary>
    /// The ratio repetition by repetition (FraiseEvents against the better Marten mode run in the same
    /// interleaved repetition): its median and range. The median of ratios can differ from
    /// <see cref="Ratio"/>, the ratio of medians.
    /// </summary>
    public Stat? RatioRange { get; init; }

    /// <summary>FraiseEvents over raw Npgsql, repetition by repetition.</summary>
    public Stat? RawFractionRange { get; init; }

    /// <summary>FraiseEvents over raw Npgsql on the lean table, repetition by repetition.</summary>
    public Stat? LeanFractionRange { get; init; }

    /// <summary>The better Marten mode for this row, by median.</summary>
    public (string Mode, Stat Stat)? Marten =>
        (MartenQuick, MartenRich) switch
        {
            (null, null) => null,
            ({ } q, null) => ("Quick", q),
            (null, { } r) => ("Rich", r),
            ({ } q, { } r) => HigherIsBetter == (q.Median >= r.Median) ? ("Quick", q) : ("Rich", r),
        };

    /// <summary>How many times better FraiseEvents is than the best Marten mode (above 1 is better).</summary>
    public double? Ratio => Fraise is { } f && Marten is { } m && f.Median > 0 && m.Stat.Median > 0
        ? (HigherIsBetter ? f.Median / m.Stat.Median : m.Stat.Median / f.Median)
        : null;

    public double? RawFraction => Fraise is { } f && Raw is { } r && r.Median > 0 && HigherIsBetter ? f.Median / r.Median : null;

    public bool? Met => TargetRatio is null ? null
        : Ratio >= TargetRatio && (TargetRawFraction is null || RawFraction >= TargetRawFraction);
}

internal static class Report
{
    private static readonly (string Prefix, string Text, double Ratio, double? RawFraction)[] Targets =
    [
        ("S1 ", "≥ 1.4× Marten, ≥ 90% raw", 1.4, 0.9),
        ("S1-inline ", "≥ 1.5× Marten", 1.5, null),
        ("S2 ", "≥ 2.2× Marten", 2.2, null),
        ("S2-inline ", "≥ 1.5× Marten, ≥ 75% of FE without", 1.5, 0.75),
        ("S2' ", "≥ 1.0× Marten", 1.0, null),
        ("S3 ", "≥ 2.5× Marten, ≥ 100% raw", 2.5, 1.0),
        ("S4 hot stream, successes", "≥ 1.6× Marten", 1.6, null),
        ("S5a ", "≥ 1.5× Marten", 1.5, null),
        ("S5b ", "≥ 1.3× Marten", 1.3, null),
        ("S8 ", "≤ ½ Marten's", 2.0, null),
    ];

    public static string Format(double value) => value switch
    {
        >= 100 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("N1", CultureInfo.InvariantCulture),
        _ => value.ToString("N2", CultureInfo.InvariantCulture),
    };

    public static IReadOnlyList<SummaryRow> Summarize(IReadOnlyList<RunRecord> records) =>
        [.. records.GroupBy(r => r.Row).Select(g =>
        {
            var first = g.First();
            Stat? For(string subject) => Stat.Of(g.Where(r => r.Subject == subject).Select(r => r.Value));
            var target = Targets.FirstOrDefault(t => g.Key.StartsWith(t.Prefix, StringComparison.Ordinal));
            var baseline = g.Key.Contains("-inline ", StringComparison.Ordinal) ? Runner.FraiseWithoutProjection : Runner.Raw;
            var row = new SummaryRow(g.Key, first.Unit, first.HigherIsBetter, For(Runner.Fraise), For(Runner.MartenQuick), For(Runner.MartenRich),
                For(baseline), target.Text, target.Text is null ? null : target.Ratio, target.RawFraction);

            // Ratios within each repetition: the libraries of one repetition ran back to back, so these
            // pairs share the machine's state of the moment.
            Stat? PerRepetition(string over, bool betterIsHigher)
            {
                var fraise = g.Where(r => r.Subject == Runner.Fraise).ToDictionary(r => r.Repetition, r => r.Value);
                return Stat.Of(g.Where(r => r.Subject == over && fraise.ContainsKey(r.Repetition) && r.Value > 0 && fraise[r.Repetition] > 0)
                    .Select(r => betterIsHigher ? fraise[r.Repetition] / r.Value : r.Value / fraise[r.Repetition]));
            }

            var marten = row.Marten is { Mode: var mode } ? (mode == "Quick" ? Runner.MartenQuick : Runner.MartenRich) : null;
            return row with
            {
                Lean = For(Runner.RawLean),
                RatioRange = marten is null ? null : PerRepetition(marten, first.HigherIsBetter),
                RawFractionRange = first.HigherIsBetter ? PerRepetition(baseline, true) : null,
                LeanFractionRange = first.HigherIsBetter ? PerRepetition(Runner.RawLean, true) : null,
            };
        })];

    public static string Table(IReadOnlyList<SummaryRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| Scenario | Unit | FraiseEvents median [min–max] | Marten median [min–max] (mode) | Ratio | Ratio per rep. [min–max] | Baseline median (FE % [min–max]) | Lean raw median (FE % [min–max]) | Target | Met |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            var marten = row.Marten is { } m ? $"{m.Stat} ({m.Mode})" : "–";
            var ratio = row.Ratio is { } r ? $"{r.ToString("N2", CultureInfo.InvariantCulture)}×" : "–";
            var ratios = row.RatioRange is { } rr ? $"{Times(rr.Median)} [{Times(rr.Min)}–{Times(rr.Max)}]" : "–";
            var raw = row.Raw is { } w ? Format(w.Median) + Fraction(row.RawFractionRange) : "–";
            var lean = row.Lean is { } l ? Format(l.Median) + Fraction(row.LeanFractionRange) : "–";
            var met = row.Met switch { true => "yes", false => "**no**", null => "" };
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Row} | {row.Unit} | {row.Fraise?.ToString() ?? "–"} | {marten} | {ratio} | {ratios} | {raw} | {lean} | {row.Target ?? ""} | {met} |");
        }

        text.AppendLine();
        text.AppendLine("Baseline: raw Npgsql, or for the -inline rows FraiseEvents without the read model (the % is FE with it over FE without).");
        text.AppendLine("Lean raw: raw Npgsql on a table with the same columns and only the primary key (stream_id, event_version): the physical limit.");
        text.AppendLine("Ratio: how many times better FraiseEvents is than Marten's better append mode (throughput: FE/Marten; latency, conflicts and bytes: Marten/FE), from the medians;");
        text.AppendLine("per rep.: the same ratio within each interleaved repetition, median and range.");
        return text.ToString();
    }

    private static string Times(double ratio) => $"{ratio.ToString("N2", CultureInfo.InvariantCulture)}×";

    private static string Fraction(Stat? fraction) => fraction is { } f
        ? string.Create(CultureInfo.InvariantCulture, $" ({f.Median:P0} [{f.Min:P0}–{f.Max:P0}])")
        : "";

    public static async Task WriteFilesAsync(string directory, IReadOnlyList<RunRecord> records, IReadOnlyList<SummaryRow> rows, string table)
    {
        Directory.CreateDirectory(directory);
        var csv = new StringBuilder("scenario,row,unit,subject,repetition,value\n");
        foreach (var r in records)
        {
            csv.AppendLine(CultureInfo.InvariantCulture, $"{r.ScenarioId},\"{r.Row}\",{r.Unit},{r.Subject},{r.Repetition},{r.Value:R}");
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "results.csv"), csv.ToString());
        var json = JsonSerializer.Serialize(new
        {
            machine = new { Environment.MachineName, Environment.ProcessorCount, os = Environment.OSVersion.VersionString, runtime = Environment.Version.ToString() },
            summary = rows.Select(r => new
            {
                r.Row, r.Unit, r.HigherIsBetter, r.Fraise, r.MartenQuick, r.MartenRich, r.Raw, r.Lean, marten = r.Marten?.Mode, r.Ratio, r.RatioRange,
                r.RawFraction, r.RawFractionRange, r.LeanFractionRange, r.Target, r.Met,
            }),
            runs = records,
        }, new JsonSerializerOptions { WriteIndented = true });
        await File.WriteAllTextAsync(Path.Combine(directory, "results.json"), json);
        await File.WriteAllTextAsync(Path.Combine(directory, "results.md"), table);
    }
}
