namespace FedActors.Hosting.Reporting;

/// <summary>Mean and sample standard deviation (n-1) of values over seeds; <see cref="Std"/> is null for one value.</summary>
public sealed record Spread(double Mean, double? Std, int N)
{
    /// <summary>The spread of <paramref name="values"/>; null when there are none.</summary>
    public static Spread? Of(IEnumerable<double> values)
    {
        var v = values.ToList();
        if (v.Count == 0) return null;
        var mean = v.Average();
        double? std = v.Count < 2 ? null : Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
        return new Spread(mean, std, v.Count);
    }
}

/// <summary>How many seeds an arm beats the baseline in (strictly higher Acc@1), out of the seeds both have.</summary>
public sealed record Wins(int Count, int Of)
{
    public override string ToString() => $"{Count}/{Of}";
}

/// <summary>A column of the report: one task, or <see cref="Average"/>, the unweighted mean over tasks.</summary>
public sealed record ReportColumn(string Label, string? Task)
{
    public static readonly ReportColumn Average = new("average", null);

    public static ReportColumn For(string task) => new(task, task);
}

/// <summary>
/// Several runs of one configuration that differ only in seed (and in which arms each ran), pooled: each arm's Acc@1 (%) per task and
/// on average as mean ± sample std over the seeds, its difference from the baseline arm paired by seed,
/// and how many seeds it beats the baseline in. A run's task and average values are its own
/// <see cref="RunSummary.TaskAcc1"/> and <see cref="RunSummary.AverageAcc1"/>. Values are in percent,
/// differences in percentage points.
/// </summary>
public sealed class SeedReport
{
    private SeedReport(IReadOnlyList<RunFolder> runs, IReadOnlyList<string> arms, IReadOnlyList<string> tasks, string baselineArm)
    {
        Runs = runs;
        Arms = arms;
        Tasks = tasks;
        BaselineArm = baselineArm;
        Columns = [.. tasks.Select(ReportColumn.For), ReportColumn.Average];
    }

    /// <summary>The runs, by seed.</summary>
    public IReadOnlyList<RunFolder> Runs { get; }

    /// <summary>The arms in the configuration's order.</summary>
    public IReadOnlyList<string> Arms { get; }

    public IReadOnlyList<string> Tasks { get; }

    /// <summary>The tasks, then the average over them.</summary>
    public IReadOnlyList<ReportColumn> Columns { get; }

    public string BaselineArm { get; }

    public IReadOnlyList<long> Seeds => Runs.Select(r => r.Seed).Distinct().ToList();

    /// <summary>
    /// Pools <paramref name="runs"/>; <see cref="ReportException"/> when their configurations differ in
    /// anything but <see cref="RunConfig.PerRunKeys"/> (naming the key, both values and both folders) or
    /// two of them have one seed.
    /// </summary>
    public static SeedReport Create(IReadOnlyList<RunFolder> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ReportException("no run folders given");
        var first = runs[0];
        // Every pair: with arm-scoped sections, agreeing with the first run does not make two others agree (a cl run
        // first says nothing about the heads settings of two fl+ssl runs).
        for (var i = 0; i < runs.Count; i++)
        {
            for (var j = i + 1; j < runs.Count; j++)
            {
                var (mine, theirs) = (runs[i], runs[j]);
                if (mine.Config.FirstDifference(theirs.Config) is { } d)
                {
                    throw new ReportException(
                        $"'{mine.Path}' and '{theirs.Path}' are not runs of one experiment: {d.Key} is {Show(d.Mine)} in '{mine.Path}' "
                        + $"but {Show(d.Theirs)} in '{theirs.Path}' (runs may differ only in {string.Join(", ", RunConfig.PerRunKeys)}, "
                        + $"and in {string.Join(", ", RunConfig.ArmScopedSections.Select(s => s.Section))} where one of the two holds no arm that reads them)");
                }
            }
        }
        foreach (var group in runs.GroupBy(r => r.Seed))
        {
            var seen = new Dictionary<string, RunFolder>(StringComparer.Ordinal);
            foreach (var run in group)
            {
                foreach (var arm in RanArms(run))
                {
                    if (seen.TryGetValue(arm, out var other))
                    {
                        throw new ReportException(string.Equals(FullPath(other.Path), FullPath(run.Path), StringComparison.Ordinal)
                            ? $"'{other.Path}' is given twice"
                            : $"'{other.Path}' and '{run.Path}' both ran arm {arm} with seed {group.Key}: give one run per arm and seed");
                    }
                    seen[arm] = run;
                }
            }
        }

        var arms = runs.SelectMany(r => r.Config.Arms)
            .Concat(runs.SelectMany(r => r.Summary.Arms.Select(a => a.Arm)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var tasks = runs.SelectMany(r => r.Summary.Tasks).Distinct(StringComparer.Ordinal).ToList();
        return new SeedReport(runs.OrderBy(r => r.Seed).ToList(), arms, tasks, first.Config.BaselineArm);
    }

    /// <summary>Acc@1 (%) of <paramref name="arm"/> in <paramref name="column"/> in the run of <paramref name="seed"/>; null when the run has none.</summary>
    public double? Acc1(long seed, string arm, ReportColumn column)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (RunOf(seed, arm) is not { } run) return null;
        var summary = run.Summary;
        var value = column.Task is null ? summary.AverageAcc1(arm) : summary.TaskAcc1(arm, column.Task);
        return value * 100;
    }

    /// <summary>Acc@1 (%) over the seeds.</summary>
    public Spread? Acc1(string arm, ReportColumn column) =>
        Spread.Of(Seeds.Select(s => Acc1(s, arm, column)).OfType<double>());

    /// <summary>Acc@1 of the arm minus the baseline's in the run of <paramref name="seed"/> (percentage points); null for the baseline itself.</summary>
    public double? Delta(long seed, string arm, ReportColumn column) =>
        arm == BaselineArm ? null : Acc1(seed, arm, column) - Acc1(seed, BaselineArm, column);

    /// <summary>The per-seed differences from the baseline over the seeds where both have a value; null for the baseline.</summary>
    public Spread? Delta(string arm, ReportColumn column) =>
        Spread.Of(Seeds.Select(s => Delta(s, arm, column)).OfType<double>());

    /// <summary>In how many seeds the arm beats the baseline; null for the baseline.</summary>
    public Wins? BeatsBaseline(string arm, ReportColumn column)
    {
        if (arm == BaselineArm) return null;
        var deltas = Seeds.Select(s => Delta(s, arm, column)).OfType<double>().ToList();
        return new Wins(deltas.Count(d => d > 0), deltas.Count);
    }

    /// <summary>The arm's wall time (s) in the run of <paramref name="seed"/>; null when it did not run.</summary>
    public double? WallSeconds(long seed, string arm)
    {
        var result = RunOf(seed, arm)?.Summary.Arms.FirstOrDefault(a => a.Arm == arm);
        return result is null || double.IsNaN(result.WallSeconds) ? null : result.WallSeconds;
    }

    public Spread? WallSeconds(string arm) => Spread.Of(Seeds.Select(s => WallSeconds(s, arm)).OfType<double>());

    /// <summary>The run of <paramref name="seed"/> that ran <paramref name="arm"/>, if any.</summary>
    private RunFolder? RunOf(long seed, string arm) => Runs.FirstOrDefault(r => r.Seed == seed && RanArms(r).Contains(arm));

    /// <summary>The arms <paramref name="run"/> ran: its configured ones and any its summary holds besides.</summary>
    public static IEnumerable<string> RanArms(RunFolder run) =>
        run.Config.Arms.Concat(run.Summary.Arms.Select(a => a.Arm)).Distinct(StringComparer.Ordinal);

    private static string FullPath(string folder) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));

    private static string Show(string? value) => value is null ? "absent" : $"'{value}'";
}
