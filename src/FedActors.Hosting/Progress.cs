using System.Globalization;
using FedActors.Core;
using FedActors.Engine;

namespace FedActors.Hosting;

/// <summary>The one line a round prints: arm, phase, round, loss, accuracy, seconds.</summary>
public static class Progress
{
    public static string Format(RoundReport report)
    {
        var inv = CultureInfo.InvariantCulture;
        var loss = report.FitMetrics.TryGetValue(MetricNames.Loss, out var l) ? l.ToString("F4", inv) : "-";
        var acc = report.EvaluateMetrics.TryGetValue(MetricNames.Acc1, out var a) ? (100 * a).ToString("F1", inv) + "%"
            : report.EvaluateMetrics.TryGetValue(MetricNames.Knn, out var k) ? "knn " + (100 * k).ToString("F1", inv) + "%"
            : "-";
        var failures = report.Failures.Count > 0 ? $"  failed {report.Failures.Count}" : "";
        // A few clients by name; many as a count.
        var clients = report.Fits.Count <= 8
            ? string.Join(",", report.Fits.Select(f => f.ClientId).Order(StringComparer.Ordinal))
            : $"{report.Fits.Count} clients";
        return string.Format(
            inv,
            "{0,-7} {1,-10} round {2,3}/{3,-3}  loss {4,8}  acc1 {5,6}  {6,6:F1}s  [{7}]{8}",
            report.Arm,
            report.Phase,
            report.Round,
            report.TotalRounds,
            loss,
            acc,
            report.Elapsed.TotalSeconds,
            clients,
            failures);
    }
}
