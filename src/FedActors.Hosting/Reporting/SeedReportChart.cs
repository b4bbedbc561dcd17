using ScottPlot;
using ScottPlot.TickGenerators;

namespace FedActors.Hosting.Reporting;

/// <summary>
/// The report's figure: a group of bars per task (and the average over tasks), a bar per arm at its mean
/// Acc@1 (%) over the seeds with an error bar of one sample standard deviation.
/// </summary>
public static class SeedReportChart
{
    public static void WritePng(string path, SeedReport report, int width = 1000, int height = 600)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);

        using var plot = new Plot();
        PlotFonts.UseSans(plot);
        var n = report.Seeds.Count;
        plot.Title($"Acc@1 over {n} {(n == 1 ? "seed" : "seeds")}: mean ± std");
        plot.YLabel("Acc@1 (%)");

        var palette = new ScottPlot.Palettes.Category10();
        var arms = report.Arms.Count;
        // Each group is one unit wide with a gap; bars share the rest.
        var barWidth = 0.8 / arms;
        var bars = new List<Bar>();
        for (var c = 0; c < report.Columns.Count; c++)
        {
            for (var a = 0; a < arms; a++)
            {
                if (report.Acc1(report.Arms[a], report.Columns[c]) is not { } spread) continue;
                bars.Add(new Bar
                {
                    Position = c - 0.4 + barWidth * (a + 0.5),
                    Value = spread.Mean,
                    Error = spread.Std ?? 0,
                    Size = barWidth * 0.9,
                    FillColor = palette.GetColor(a),
                });
            }
        }
        plot.Add.Bars(bars);

        plot.Axes.Bottom.TickGenerator = new NumericManual(
            Enumerable.Range(0, report.Columns.Count).Select(i => (double)i).ToArray(),
            report.Columns.Select(c => c.Label).ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Left.TickGenerator = new NumericFixedInterval(10);
        plot.Axes.SetLimits(-0.6, report.Columns.Count - 0.4, 0, 100);

        for (var a = 0; a < arms; a++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = report.Arms[a], FillColor = palette.GetColor(a) });
        plot.ShowLegend(Edge.Right);

        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        plot.SavePng(path, width, height);
    }
}
