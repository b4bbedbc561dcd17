using FedActors.Data.Loaders;

namespace FedActors.Hosting;

/// <summary>The outcome of a run: per-arm results, the baseline, the tasks, the wall time.</summary>
public sealed record RunSummary(IReadOnlyList<ArmResult> Arms, string BaselineArm, IReadOnlyList<string> Tasks, double WallSeconds)
{
    /// <summary>What loading each file-backed client's data read and skipped.</summary>
    public IReadOnlyList<LoadReport> DataReports { get; init; } = [];

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
