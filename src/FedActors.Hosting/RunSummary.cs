using FedActors.Core;
using FedActors.Data.Loaders;

namespace FedActors.Hosting;

/// <summary>The outcome of a run: per-arm results, the baseline, the tasks, the wall time.</summary>
public sealed record RunSummary(IReadOnlyList<ArmResult> Arms, string BaselineArm, IReadOnlyList<string> Tasks, double WallSeconds)
{
    /// <summary>What loading each file-backed client's data read and skipped.</summary>
    public IReadOnlyList<LoadReport> DataReports { get; init; } = [];

    /// <summary>How evenly each arm serves each task's clients.</summary>
    public IReadOnlyList<Fairness> Fairness => Hosting.Fairness.Of(Arms);

    /// <summary>When each arm reached each accuracy target (<c>simulation.targets</c>).</summary>
    public IReadOnlyList<TimeToAccuracy> TimesToAccuracy { get; init; } = [];

    /// <summary>Updates refused by validation, per arm and kind of fault (from metrics.csv's <c>rejected_*</c> rows).</summary>
    public IReadOnlyList<Rejections> Rejections { get; init; } = [];

    /// <summary>Counts the <c>rejected_&lt;kind&gt;</c> rows of a run's metrics, per arm (in order of appearance) and kind.</summary>
    public static IReadOnlyList<Rejections> CountRejections(IReadOnlyList<MetricRecord> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return rows
            .Where(r => r.Metric.StartsWith(MetricsLog.RejectedPrefix, StringComparison.Ordinal))
            .GroupBy(r => r.Arm, StringComparer.Ordinal)
            .Select(arm => new Rejections(
                arm.Key,
                arm.GroupBy(r => r.Metric[MetricsLog.RejectedPrefix.Length..], StringComparer.Ordinal)
                    .OrderBy(kind => kind.Key, StringComparer.Ordinal)
                    .ToDictionary(kind => kind.Key, kind => (int)kind.Sum(r => r.Value), StringComparer.Ordinal)))
            .ToList();
    }

    /// <summary>Acc@1 of a task in an arm: the mean over the task's clients, weighted by evaluated images.</summary>
    public double? TaskAcc1(string arm, string task)
    {
        var rows = Arms.FirstOrDefault(a => a.Arm == arm)?.Clients.Where(c => c.Task == task).ToList();
        if (rows is null || rows.Count == 0) return null;
        var n = rows.Sum(r => (double)r.Examples);
        return n > 0 ? rows.Sum(r => r.Acc1 * r.Examples) / n : rows.Average(r => r.Acc1);
    }

    /// <summary>Unweighted mean over tasks (the paper's "average" column).</summary>
    public double? AverageAcc1(string arm)
    {
        var values = Tasks.Select(t => TaskAcc1(arm, t)).ToList();
        return values.All(v => v.HasValue) && values.Count > 0 ? values.Average(v => v!.Value) : null;
    }
}

/// <summary>How many updates of one arm validation refused, per kind of fault (<see cref="UpdateRejection.Kinds"/>).</summary>
public sealed record Rejections(string Arm, IReadOnlyDictionary<string, int> ByKind);
