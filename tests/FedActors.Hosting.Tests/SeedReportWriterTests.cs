using System.Globalization;
using FedActors.Hosting.Reporting;

namespace FedActors.Hosting.Tests;

/// <summary>The files of a report over <see cref="FakeRuns.ThreeSeeds"/>; the numbers are worked out in <see cref="SeedReportTests"/>.</summary>
public sealed class SeedReportWriterTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void Markdown_must_show_mean_std_delta_wins_per_seed_values_and_wall_time()
    {
        using var dir = new TempDir();
        var md = SeedReportWriter.Markdown(SeedReport.Create(FakeRuns.ThreeSeeds(dir.Path).Select(RunFolder.Read).ToList()));
        var lines = md.Split('\n').Select(Squeeze).ToList();
        Assert.Contains("| arm | shapes | textures | average | n |", lines);
        Assert.Contains("| cl | 52.00 ± 2.00 | 72.00 ± 2.00 | 62.00 ± 1.73 | 3 |", lines);
        Assert.Contains("| fl+ssl | 55.00 ± 10.00 | 80.00 ± 2.00 | 67.50 ± 5.57 | 3 |", lines);
        Assert.Contains("| fl+ssl | +3.00 ± 9.17 (2/3) | +8.00 ± 2.00 (3/3) | +5.50 ± 4.36 (3/3) |", lines);
        Assert.Contains("| 1 | fl+ssl | 45.00 | 80.00 | 62.50 |", lines);
        Assert.Contains("| fl+ssl | 22.0 ± 3.5 | 20.0 | 20.0 | 26.0 |", lines);
        Assert.DoesNotContain("Note:", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_must_say_which_runs_have_unweighted_tasks()
    {
        using var dir = new TempDir();
        var folders = FakeRuns.ThreeSeeds(dir.Path);
        FakeRuns.DropImages(folders[1]);
        var md = SeedReportWriter.Markdown(SeedReport.Create(folders.Select(RunFolder.Read).ToList()));
        Assert.Contains($"Note: the summary.json of `{folders[1]}` records no images per client", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_must_hold_per_seed_values_and_the_statistics_in_long_form()
    {
        using var dir = new TempDir();
        var csv = SeedReportWriter.Csv(SeedReport.Create(FakeRuns.ThreeSeeds(dir.Path).Select(RunFolder.Read).ToList()));
        var lines = csv.TrimEnd('\n').Split('\n');
        Assert.Equal(SeedReportWriter.CsvHeader, lines[0]);
        var values = lines.Skip(1).Select(l => l.Split(',')).ToDictionary(
            f => (f[0], f[1], f[2], f[3]),
            f => f[4].Length == 0 ? (double?)null : double.Parse(f[4], CultureInfo.InvariantCulture));
        Assert.Equal(45, values[("fl+ssl", "shapes", "1", "acc1")]!.Value, 9);
        Assert.Equal(-5, values[("fl+ssl", "shapes", "1", "delta")]!.Value, 9);
        Assert.Equal(55, values[("fl+ssl", "shapes", "", "acc1_mean")]!.Value, 9);
        Assert.Equal(10, values[("fl+ssl", "shapes", "", "acc1_std")]!.Value, 9);
        Assert.Equal(3, values[("fl+ssl", "shapes", "", "acc1_n")]);
        Assert.Equal(3, values[("fl+ssl", "shapes", "", "delta_mean")]!.Value, 9);
        Assert.Equal(Math.Sqrt(84), values[("fl+ssl", "shapes", "", "delta_std")]!.Value, 9);
        Assert.Equal(2, values[("fl+ssl", "shapes", "", "beats_baseline")]);
        Assert.Equal(67.5, values[("fl+ssl", "average", "", "acc1_mean")]!.Value, 9);
        Assert.Equal(26, values[("fl+ssl", "", "3", "wall_seconds")]);
        Assert.Equal(12, values[("cl", "", "", "wall_seconds_mean")]!.Value, 9);
        Assert.False(values.ContainsKey(("cl", "shapes", "1", "delta")), "the baseline has no delta against itself");
        // 2 arms x 3 columns x 3 seeds acc1 + 1 arm x 3 x 3 delta + 2 x 3 wall, then the aggregates:
        // acc1 mean/std/n for 2 x 3, delta mean/std/n and beats for 1 x 3, wall mean/std/n for 2.
        Assert.Equal(18 + 9 + 6 + 18 + 12 + 6, lines.Length - 1);
    }

    [Fact]
    public void Csv_must_leave_the_std_of_one_run_empty()
    {
        using var dir = new TempDir();
        var csv = SeedReportWriter.Csv(SeedReport.Create([RunFolder.Read(FakeRuns.ThreeSeeds(dir.Path)[0])]));
        Assert.Contains("\ncl,shapes,,acc1_std,\n", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_must_put_markdown_csv_and_png_into_the_folder()
    {
        using var dir = new TempDir();
        var report = SeedReport.Create(FakeRuns.ThreeSeeds(dir.Path).Select(RunFolder.Read).ToList());
        var outDir = Path.Combine(dir.Path, "out", "report");
        var files = await SeedReportWriter.WriteAsync(outDir, report);
        Assert.Equal(["report.md", "report.csv", "report.png"], files.Select(Path.GetFileName));
        Assert.Equal(SeedReportWriter.Markdown(report), File.ReadAllText(Path.Combine(outDir, "report.md")));
        Assert.Equal(SeedReportWriter.Csv(report), File.ReadAllText(Path.Combine(outDir, "report.csv")));
        var png = File.ReadAllBytes(Path.Combine(outDir, "report.png"));
        Assert.Equal(PngSignature, png.Take(8));
        Assert.True(png.Length > 5000, $"report.png is only {png.Length} bytes");
    }

    [Fact]
    public async Task Write_must_draw_every_arm_of_the_lowest_seed_when_the_runs_kept_their_metrics()
    {
        using var dir = new TempDir();
        var folders = FakeRuns.ThreeSeeds(dir.Path);
        // Seed 1's arms as two runs would write them apart; seeds 2 and 3 kept no metrics.csv, which does not matter.
        var s1 = folders.Single(f => f.EndsWith("s1", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(s1, "metrics.csv"),
            "round,phase,arm,client,task,metric,value\n1,supervised,cl,central-shapes,shapes,acc1,0.4\n2,supervised,cl,central-shapes,shapes,acc1,0.5\n"
            + "1,simclr,fl+ssl,shapes-0,shapes,knn,0.3\n1,heads,fl+ssl,shapes-0,shapes,acc1,0.6\n2,heads,fl+ssl,shapes-0,shapes,acc1,0.7\n");
        var report = SeedReport.Create(folders.Select(RunFolder.Read).ToList());
        var outDir = Path.Combine(dir.Path, "out");

        var files = await SeedReportWriter.WriteAsync(outDir, report);

        Assert.Equal(["report.md", "report.csv", "report.png", "report-curves.png"], files.Select(Path.GetFileName));
        var png = File.ReadAllBytes(Path.Combine(outDir, "report-curves.png"));
        Assert.Equal(PngSignature, png.Take(8));
        Assert.True(png.Length > 5000, $"report-curves.png is only {png.Length} bytes");

        // Without seed 1's metrics there is no figure, and a figure of an earlier report does not stay behind.
        File.Delete(Path.Combine(s1, "metrics.csv"));
        files = await SeedReportWriter.WriteAsync(outDir, SeedReport.Create(folders.Select(RunFolder.Read).ToList()));
        Assert.Equal(3, files.Count);
        Assert.False(File.Exists(Path.Combine(outDir, "report-curves.png")));
    }

    /// <summary>The row with its padding taken out.</summary>
    private static string Squeeze(string line) =>
        string.Join(" | ", line.Split('|').Select(c => c.Trim())).Trim();
}
