using ScottPlot;

namespace FedActors.Hosting.Reporting;

/// <summary>
/// The figures of a run with many clients: <c>clients.png</c>, every client's final Acc@1 per arm and task (one dot per
/// client, a bar at the mean), so the spread the fairness table summarises can be seen; and <c>partition-&lt;group&gt;.png</c>,
/// each group's clients x classes image counts as a heat map, so the skew of its partition can be seen.
/// </summary>
public static class ClientFigures
{
    /// <summary>Writes <c>clients.png</c> into <paramref name="runDir"/>; nothing when no task has more than one client.</summary>
    public static string? WriteClientAccuracy(string runDir, IReadOnlyList<ArmResult> arms, int width = 1000, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(arms);
        var columns = arms.SelectMany(a => a.Clients.GroupBy(c => c.Task, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (a.Arm, Task: g.Key, Accuracies: g.Select(c => 100 * c.Acc1).ToArray()))).ToList();
        if (!columns.Any(c => c.Accuracies.Length > 1)) return null;
        using var plot = new Plot();
        PlotFonts.UseSans(plot);
        plot.Title("Final Acc@1 of every client");
        plot.YLabel("Acc@1 (%)");
        var palette = new ScottPlot.Palettes.Category10();
        var armNames = arms.Select(a => a.Arm).ToList();
        var ticks = new List<Tick>();
        for (var x = 0; x < columns.Count; x++)
        {
            var (arm, task, accuracies) = columns[x];
            var color = palette.GetColor(armNames.IndexOf(arm));
            // Spread the dots sideways by rank so equal values stay visible (no random jitter: the figure is reproducible).
            var xs = accuracies.Select((_, i) => x + (accuracies.Length == 1 ? 0 : -0.3 + 0.6 * i / (accuracies.Length - 1))).ToArray();
            var dots = plot.Add.ScatterPoints(xs, accuracies.Order().ToArray(), color);
            dots.MarkerSize = 5;
            var bar = plot.Add.Line(x - 0.35, accuracies.Average(), x + 0.35, accuracies.Average());
            bar.LineColor = color;
            bar.LineWidth = 3;
            ticks.Add(new Tick(x, $"{arm}\n{task}"));
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.SetLimits(-0.6, columns.Count - 0.4, 0, 100);
        var path = Path.Combine(runDir, "clients.png");
        plot.SavePng(path, width, height);
        return path;
    }

    /// <summary>Writes <c>partition-&lt;group&gt;.png</c> into <paramref name="runDir"/> for each group; returns the paths.</summary>
    public static IReadOnlyList<string> WritePartitions(string runDir, IReadOnlyList<GroupLayout> groups, int width = 1000, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var paths = new List<string>();
        foreach (var group in groups)
        {
            using var plot = new Plot();
            PlotFonts.UseSans(plot);
            plot.Title($"Partition of group {group.Group} ({group.Partition}): images per client and class");
            plot.XLabel($"class (of {group.ClassNames.Count})");
            plot.YLabel($"client (of {group.ClientIds.Count})");
            var counts = new double[group.Counts.Length, group.ClassNames.Count];
            for (var k = 0; k < group.Counts.Length; k++)
            {
                for (var c = 0; c < group.ClassNames.Count; c++) counts[group.Counts.Length - 1 - k, c] = group.Counts[k][c];
            }
            var map = plot.Add.Heatmap(counts);
            map.Colormap = new ScottPlot.Colormaps.Viridis();
            plot.Add.ColorBar(map);
            var path = Path.Combine(runDir, $"partition-{group.Group}.png");
            plot.SavePng(path, width, height);
            paths.Add(path);
        }
        return paths;
    }
}
