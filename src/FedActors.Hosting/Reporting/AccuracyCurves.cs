using FedActors.Core;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace FedActors.Hosting.Reporting;

/// <summary>
/// One line of the figure: an arm's mean Acc@1 (%) on one task at each federated round; for <see cref="Metric"/>
/// <c>knn</c>, the k-NN monitor of its SimCLR rounds.
/// </summary>
public sealed record AccuracyCurve(string Arm, string Task, IReadOnlyList<double> Rounds, IReadOnlyList<double> Acc1Percent)
{
    /// <summary><c>acc1</c> (the heads' or the supervised network's accuracy) or <c>knn</c> (the SimCLR monitor).</summary>
    public string Metric { get; init; } = MetricNames.Acc1;
}

/// <summary>
/// The paper's Figure 2 from a run's <c>metrics.csv</c>: test accuracy against round, one line per arm and
/// task. The round axis counts federated rounds, so an arm that pre-trains with SimCLR starts its heads curve
/// after its SimCLR rounds, and arms are compared at equal round budgets. During SimCLR the figure shows the k-NN
/// monitor of the backbone's features (thin lines, hollow markers), where it was measured.
/// </summary>
public static class AccuracyCurves
{
    private static readonly LinePattern[] TaskPatterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    private static readonly MarkerShape[] TaskMarkers = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond];

    private static readonly MarkerShape[] HollowMarkers = [MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp, MarkerShape.OpenDiamond];

    /// <summary>Rows of a <c>metrics.csv</c>; <see cref="FormatException"/> names the file and line of a bad row.</summary>
    public static IReadOnlyList<MetricRecord> ReadCsv(string metricsCsvPath) => MetricsCsvReader.Read(metricsCsvPath);

    /// <summary>
    /// The curves in <paramref name="rows"/>: <c>acc1</c> of the <c>heads</c> and <c>supervised</c> phases and
    /// <c>knn</c> of the <c>simclr</c> phase, averaged over the task's clients with equal weight at each round. Arms
    /// keep the order they first appear in, accuracy before k-NN; tasks are sorted.
    /// </summary>
    public static IReadOnlyList<AccuracyCurve> Curves(IReadOnlyList<MetricRecord> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sslRounds = SimClrRounds(rows);
        var armOrder = rows.Select(r => r.Arm).Distinct(StringComparer.Ordinal).ToList();
        return rows
            .Where(r => double.IsFinite(r.Value)
                && ((r.Metric == MetricNames.Acc1 && r.Phase is Phases.Heads or Phases.Supervised)
                    || (r.Metric == MetricNames.Knn && r.Phase == Phases.SimClr)))
            .GroupBy(r => (r.Arm, r.Metric, r.Task))
            .OrderBy(g => armOrder.IndexOf(g.Key.Arm))
            .ThenBy(g => g.Key.Metric == MetricNames.Acc1 ? 0 : 1)
            .ThenBy(g => g.Key.Task, StringComparer.Ordinal)
            .Select(g =>
            {
                var offset = sslRounds.GetValueOrDefault(g.Key.Arm);
                var points = g
                    .GroupBy(r => r.Phase == Phases.Heads ? r.Round + offset : r.Round)
                    .OrderBy(p => p.Key)
                    .Select(p => (Round: (double)p.Key, Acc: 100 * p.GroupBy(r => r.Client, StringComparer.Ordinal).Average(c => c.Average(r => r.Value))))
                    .ToList();
                return new AccuracyCurve(g.Key.Arm, g.Key.Task, points.Select(p => p.Round).ToList(), points.Select(p => p.Acc).ToList())
                {
                    Metric = g.Key.Metric,
                };
            })
            .ToList();
    }

    /// <summary>Writes the figure as a PNG; an input with no accuracy (e.g. a SimCLR-only run) gives a plot that says so.</summary>
    public static void WritePng(string path, IReadOnlyList<MetricRecord> rows, int width = 1000, int height = 600, string title = "Accuracy per round")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var curves = Curves(rows);

        using var plot = new Plot();
        PlotFonts.UseSans(plot);
        plot.Title(title);
        plot.XLabel("round");
        plot.YLabel("Acc@1 (%)");
        plot.Axes.Bottom.TickGenerator = new NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.Left.TickGenerator = new NumericFixedInterval(10);

        if (curves.Count == 0)
        {
            plot.Add.Annotation("no accuracy recorded", Alignment.MiddleCenter);
            plot.Axes.SetLimits(0, 1, 0, 100);
        }
        else
        {
            AddCurves(plot, curves, SimClrRounds(rows));
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        plot.SavePng(path, width, height);
    }

    private static void AddCurves(Plot plot, IReadOnlyList<AccuracyCurve> curves, IReadOnlyDictionary<string, int> sslRounds)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var arms = curves.Select(c => c.Arm).Distinct(StringComparer.Ordinal).ToList();
        var tasks = curves.Select(c => c.Task).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        foreach (var curve in curves)
        {
            var t = tasks.IndexOf(curve.Task);
            var knn = curve.Metric == MetricNames.Knn;
            var line = plot.Add.Scatter(curve.Rounds.ToArray(), curve.Acc1Percent.ToArray(), palette.GetColor(arms.IndexOf(curve.Arm)));
            line.LineWidth = knn ? 1 : 2;
            line.LinePattern = TaskPatterns[t % TaskPatterns.Length];
            line.MarkerShape = knn ? HollowMarkers[t % HollowMarkers.Length] : TaskMarkers[t % TaskMarkers.Length];
            line.MarkerSize = 6;
            var name = tasks.Count > 1 || curve.Task.Length > 0 ? $"{curve.Arm} / {curve.Task}" : curve.Arm;
            line.LegendText = knn ? name + " (k-NN, SimCLR)" : name;
        }

        // Where the SimCLR arms switch from pre-training (not evaluated) to training heads.
        foreach (var rounds in arms.Select(a => sslRounds.GetValueOrDefault(a)).Where(r => r > 0).Distinct().Order())
        {
            var boundary = plot.Add.VerticalLine(rounds + 0.5, width: 1, color: Colors.Gray, pattern: LinePattern.Dashed);
            boundary.LegendText = $"SimCLR ends ({rounds} rounds)";
        }

        var lastRound = curves.Max(c => c.Rounds.Count == 0 ? 1 : c.Rounds.Max());
        plot.Axes.SetLimits(0.5, lastRound + 0.5, 0, 100);
        plot.ShowLegend(Edge.Right);
    }

    /// <summary>Each arm's SimCLR round count: the last round with a SimCLR training loss.</summary>
    private static Dictionary<string, int> SimClrRounds(IReadOnlyList<MetricRecord> rows) =>
        rows.Where(r => r.Phase == Phases.SimClr && r.Metric == "fit_" + MetricNames.Loss)
            .GroupBy(r => r.Arm, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Max(r => r.Round), StringComparer.Ordinal);
}
