using System.Globalization;
using System.Text;

namespace FedActors.Hosting.Reporting;

/// <summary>
/// Writes a <see cref="SeedReport"/>: <c>report.md</c> (the tables, which the CLI also prints),
/// <c>report.csv</c> (every number in long form), <c>report.png</c> (bars of mean ± std) and, when the runs kept their
/// <c>metrics.csv</c>, <c>report-curves.png</c>: accuracy per round of every arm and the SimCLR k-NN monitor in the
/// runs of the lowest seed (one figure for arms run together or apart).
/// </summary>
public static class SeedReportWriter
{
    public const string MarkdownFile = "report.md";
    public const string CsvFile = "report.csv";
    public const string PngFile = "report.png";
    public const string CurvesFile = "report-curves.png";

    /// <summary>The columns of <c>report.csv</c>.</summary>
    public const string CsvHeader = "arm,task,seed,statistic,value";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes the files into <paramref name="outDir"/> (created if needed, earlier reports replaced); returns their paths.</summary>
    public static async Task<IReadOnlyList<string>> WriteAsync(string outDir, SeedReport report, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outDir);
        Directory.CreateDirectory(outDir);
        var md = Path.Combine(outDir, MarkdownFile);
        var csv = Path.Combine(outDir, CsvFile);
        var png = Path.Combine(outDir, PngFile);
        await File.WriteAllTextAsync(md, Markdown(report), ct).ConfigureAwait(false);
        await File.WriteAllTextAsync(csv, Csv(report), ct).ConfigureAwait(false);
        SeedReportChart.WritePng(png, report);
        var curves = Path.Combine(outDir, CurvesFile);
        File.Delete(curves);
        var seed = report.Seeds.Min();
        var metrics = report.Runs.Where(r => r.Seed == seed).Select(r => Path.Combine(r.Path, "metrics.csv")).ToList();
        if (!metrics.All(File.Exists)) return [md, csv, png];
        AccuracyCurves.WritePng(curves, metrics.SelectMany(AccuracyCurves.ReadCsv).ToList(), title: $"Accuracy per round, seed {seed.ToString(Inv)}");
        return [md, csv, png, curves];
    }

    public static string Markdown(SeedReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var runs = report.Runs;
        var sb = new StringBuilder();
        sb.Append(Inv, $"# FedActors report: {runs.Count} {(runs.Count == 1 ? "run" : "runs")} of one configuration\n\n");
        sb.Append("Seeds: ").Append(string.Join(", ", runs.Select(r => $"{r.Seed} (`{r.Path}`{ArmsNote(report, r)})"))).Append(".\n\n");
        sb.Append("Acc@1 (%) on each client's evaluation split, as mean ± sample standard deviation (n-1) over the seeds. ")
            .Append("A task's value in a run is the mean over its clients weighted by images; \"average\" is the unweighted mean over tasks.\n");
        var unweighted = runs.Where(r => !r.ImagesKnown).Select(r => $"`{r.Path}`").ToList();
        if (unweighted.Count > 0)
        {
            sb.Append("\nNote: the summary.json of ").Append(string.Join(", ", unweighted))
                .Append(" records no images per client (written before they were recorded), so its tasks are unweighted means over clients.\n");
        }

        sb.Append("\n## Acc@1 (%)\n\n");
        var header = new List<string> { "arm" };
        header.AddRange(report.Columns.Select(c => c.Label));
        header.Add("n");
        sb.Append(MarkdownTable.Render(header, report.Arms.Select(arm =>
        {
            var row = new List<string> { arm };
            row.AddRange(report.Columns.Select(c => Cell(report.Acc1(arm, c), report.Seeds.Count, signed: false)));
            row.Add((report.Acc1(arm, ReportColumn.Average)?.N ?? 0).ToString(Inv));
            return row;
        })));

        sb.Append(Inv, $"\n## Δ vs {report.BaselineArm} (percentage points, paired by seed; seeds it beats {report.BaselineArm})\n\n");
        header = ["arm", .. report.Columns.Select(c => c.Label)];
        sb.Append(MarkdownTable.Render(header, report.Arms.Where(a => a != report.BaselineArm).Select(arm =>
        {
            var row = new List<string> { arm };
            row.AddRange(report.Columns.Select(c =>
            {
                var delta = report.Delta(arm, c);
                var wins = report.BeatsBaseline(arm, c);
                return delta is null || wins is null || wins.Of == 0 ? "-" : $"{Cell(delta, report.Seeds.Count, signed: true)} ({wins})";
            }));
            return row;
        })));

        sb.Append("\n## Per seed: Acc@1 (%)\n\n");
        header = ["seed", "arm", .. report.Columns.Select(c => c.Label)];
        sb.Append(MarkdownTable.Render(header, report.Seeds.SelectMany(seed => report.Arms.Select(arm =>
        {
            var row = new List<string> { seed.ToString(Inv), arm };
            row.AddRange(report.Columns.Select(c => Number(report.Acc1(seed, arm, c), signed: false)));
            return row;
        })), labelColumns: 2));

        sb.Append("\n## Wall time per arm (s)\n\n");
        header = ["arm", "mean ± std", .. report.Seeds.Select(s => "seed " + s.ToString(Inv))];
        sb.Append(MarkdownTable.Render(header, report.Arms.Select(arm =>
        {
            var row = new List<string> { arm, Cell(report.WallSeconds(arm), report.Seeds.Count, signed: false, decimals: 1) };
            row.AddRange(report.Seeds.Select(s => Number(report.WallSeconds(s, arm), signed: false, decimals: 1)));
            return row;
        })));
        return sb.ToString();
    }

    /// <summary>
    /// Long form, one value a row (<see cref="CsvHeader"/>). Per seed (<c>seed</c> set): <c>acc1</c>,
    /// <c>delta</c> (vs the baseline, percentage points) and <c>wall_seconds</c> (task empty). Over the seeds
    /// (<c>seed</c> empty): <c>acc1_mean</c>, <c>acc1_std</c>, <c>acc1_n</c>, <c>delta_mean</c>,
    /// <c>delta_std</c>, <c>delta_n</c>, <c>beats_baseline</c> (seeds out of <c>delta_n</c>),
    /// <c>wall_seconds_mean</c>, <c>wall_seconds_std</c>, <c>wall_seconds_n</c>. The task <c>average</c> is the
    /// unweighted mean over tasks. A standard deviation of one value is left empty.
    /// </summary>
    public static string Csv(SeedReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder(CsvHeader).Append('\n');
        void Row(string arm, string task, long? seed, string statistic, double? value) =>
            sb.Append(CsvField(arm)).Append(',').Append(CsvField(task)).Append(',')
                .Append(seed?.ToString(Inv)).Append(',').Append(statistic).Append(',')
                .Append(value?.ToString("R", Inv)).Append('\n');
        void Aggregate(string arm, string task, string name, Spread? spread)
        {
            if (spread is null) return;
            Row(arm, task, null, name + "_mean", spread.Mean);
            Row(arm, task, null, name + "_std", spread.Std);
            Row(arm, task, null, name + "_n", spread.N);
        }

        foreach (var arm in report.Arms)
        {
            foreach (var column in report.Columns)
            {
                foreach (var seed in report.Seeds)
                {
                    if (report.Acc1(seed, arm, column) is { } acc) Row(arm, column.Label, seed, "acc1", acc);
                    if (report.Delta(seed, arm, column) is { } delta) Row(arm, column.Label, seed, "delta", delta);
                }
                Aggregate(arm, column.Label, "acc1", report.Acc1(arm, column));
                Aggregate(arm, column.Label, "delta", report.Delta(arm, column));
                if (report.BeatsBaseline(arm, column) is { Of: > 0 } wins) Row(arm, column.Label, null, "beats_baseline", wins.Count);
            }
            foreach (var seed in report.Seeds)
            {
                if (report.WallSeconds(seed, arm) is { } seconds) Row(arm, "", seed, "wall_seconds", seconds);
            }
            Aggregate(arm, "", "wall_seconds", report.WallSeconds(arm));
        }
        return sb.ToString();
    }

    /// <summary>"mean ± std", with "(n=k)" where fewer than all runs have a value.</summary>
    /// <summary>Names the arms of a run that ran only some of the report's arms.</summary>
    private static string ArmsNote(SeedReport report, RunFolder run)
    {
        var ran = SeedReport.RanArms(run).ToList();
        return ran.Count == report.Arms.Count ? "" : $": {string.Join(", ", ran)}";
    }

    private static string Cell(Spread? spread, int runs, bool signed, int decimals = 2)
    {
        if (spread is null) return "-";
        var text = Number(spread.Mean, signed, decimals);
        if (spread.Std is { } std) text += " ± " + std.ToString("F" + decimals.ToString(Inv), Inv);
        if (spread.N < runs) text += $" (n={spread.N})";
        return text;
    }

    private static string Number(double? value, bool signed, int decimals = 2)
    {
        if (value is null) return "-";
        var f = "0." + new string('0', decimals);
        return value.Value.ToString(signed ? $"+{f};-{f};{f}" : f, Inv);
    }

    private static string CsvField(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
