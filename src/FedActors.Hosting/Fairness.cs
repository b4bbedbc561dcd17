using FedActors.Core;

namespace FedActors.Hosting;

/// <summary>
/// How evenly an arm serves a task's clients: over the clients' final Acc@1 (each client counts once, whatever its
/// size), the mean, the standard deviation (population), and the mean of the worst and of the best tenth of the
/// clients (at least one each).
/// </summary>
public sealed record Fairness(string Arm, string Task, int Clients, double Mean, double Std, double Worst10, double Best10)
{
    /// <summary>The fairness of every arm and task of <paramref name="arms"/>, in their order.</summary>
    public static IReadOnlyList<Fairness> Of(IReadOnlyList<ArmResult> arms)
    {
        ArgumentNullException.ThrowIfNull(arms);
        return [.. arms.SelectMany(arm => arm.Clients.GroupBy(c => c.Task, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(task => From(arm.Arm, task.Key, [.. task.Select(c => c.Acc1)])))];
    }

    public static Fairness From(string arm, string task, IReadOnlyList<double> accuracies)
    {
        ArgumentNullException.ThrowIfNull(accuracies);
        if (accuracies.Count == 0) throw new ArgumentException("no client accuracies", nameof(accuracies));
        var sorted = accuracies.Order().ToArray();
        var mean = sorted.Average();
        var std = Math.Sqrt(sorted.Average(a => (a - mean) * (a - mean)));
        var tenth = Math.Max(1, (int)Math.Ceiling(sorted.Length * 0.1));
        return new Fairness(arm, task, sorted.Length, mean, std, sorted.Take(tenth).Average(), sorted.TakeLast(tenth).Average());
    }
}

/// <summary>
/// When an arm's task first reached its target: the first round (counted over the arm's federated rounds, SimCLR's
/// included) at which the mean Acc@1 over the task's evaluated clients was at least <see cref="Target"/>, and the
/// simulated hours at the end of that round (with <c>simulation.clock</c>). Null round: never reached.
/// </summary>
public sealed record TimeToAccuracy(string Arm, string Task, double Target, int? Round, double? SimulatedHours)
{
    /// <summary>Reads the targets' times from a run's metrics rows.</summary>
    public static IReadOnlyList<TimeToAccuracy> Of(IReadOnlyList<MetricRecord> rows, IReadOnlyList<AccuracyTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(targets);
        var result = new List<TimeToAccuracy>();
        foreach (var arm in rows.Select(r => r.Arm).Distinct(StringComparer.Ordinal))
        {
            var ofArm = rows.Where(r => r.Arm == arm).ToList();
            // Rounds in the order the arm ran them: SimCLR first, then the later phases.
            var sslRounds = ofArm.Where(r => r.Phase == Phases.SimClr).Select(r => r.Round).DefaultIfEmpty(0).Max();
            int Global(MetricRecord r) => r.Phase == Phases.Heads ? r.Round + sslRounds : r.Round;
            var clock = ofArm.Where(r => r.Metric == MetricsLog.SimulatedSeconds).ToDictionary(r => (r.Phase, r.Round), r => r.Value);
            foreach (var target in targets)
            {
                var reached = ofArm
                    .Where(r => r.Task == target.Task && r.Metric == MetricNames.Acc1 && r.Phase is Phases.Heads or Phases.Supervised)
                    .GroupBy(r => (r.Phase, r.Round))
                    .Select(g => (Key: g.Key, Global: Global(g.First()), Mean: g.Average(r => r.Value)))
                    .Where(p => p.Mean >= target.Acc1)
                    .OrderBy(p => p.Global)
                    .FirstOrDefault();
                if (!ofArm.Any(r => r.Task == target.Task && r.Metric == MetricNames.Acc1)) continue;
                result.Add(reached.Global == 0
                    ? new TimeToAccuracy(arm, target.Task, target.Acc1, null, null)
                    : new TimeToAccuracy(arm, target.Task, target.Acc1, reached.Global,
                        clock.TryGetValue(reached.Key, out var seconds) ? seconds / 3600 : null));
            }
        }
        return result;
    }
}
