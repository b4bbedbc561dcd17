using FedActors.Core;
using FedActors.Engine;

namespace FedActors.Hosting;

/// <summary>
/// The run's <c>metrics.csv</c>: one row per (round, phase, arm, client, task, metric), appended and
/// flushed after every round so a crash loses no finished round. Holds only seed-deterministic values.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    private readonly StreamWriter _writer;

    public MetricsLog(string path)
        : this(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read))
    {
        _writer.WriteLine(MetricRecord.CsvHeader);
        _writer.Flush();
    }

    private MetricsLog(FileStream stream) =>
        _writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false)) { NewLine = "\n" };

    /// <summary>Reopens a run's metrics.csv at the length its checkpoint recorded, dropping rows written after it.</summary>
    public static MetricsLog Resume(string path, long length)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
        if (stream.Length < length)
        {
            stream.Dispose();
            throw new InvalidDataException($"{path}: {stream.Length} bytes, but the checkpoint recorded {length}");
        }
        stream.SetLength(length);
        stream.Seek(length, SeekOrigin.Begin);
        return new MetricsLog(stream);
    }

    /// <summary>Bytes written so far (everything is flushed after each append).</summary>
    public long Length => _writer.BaseStream.Length;

    /// <summary>A participant that attacked (simulated Byzantine client) in the round.</summary>
    public const string Attacked = "attacked";

    /// <summary>Simulated seconds since the arm began, at the end of a round (with <c>simulation.clock</c>).</summary>
    public const string SimulatedSeconds = "simulated_seconds";

    /// <summary>Metric of a refused update, per kind: <c>rejected_examples</c>, <c>rejected_norm</c>, ...</summary>
    public const string RejectedPrefix = "rejected_";

    /// <summary>The rows of one round; <paramref name="strategyMetrics"/> (what the strategy's aggregation reports, such as
    /// the f Krum could tolerate) become run-wide rows <c>strategy_&lt;name&gt;</c>.</summary>
    public static IReadOnlyList<MetricRecord> Rows(
        RoundReport report, IReadOnlyDictionary<string, string> taskOf, IReadOnlyDictionary<string, double>? strategyMetrics = null)
    {
        var rows = new List<MetricRecord>();
        string Task(string client) => taskOf.TryGetValue(client, out var t) ? t : "";
        foreach (var fit in report.Fits.OrderBy(f => f.ClientId, StringComparer.Ordinal))
        {
            foreach (var (metric, value) in fit.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
                rows.Add(new MetricRecord(report.Round, report.Phase, report.Arm, fit.ClientId, Task(fit.ClientId), "fit_" + metric, value));
            rows.Add(new MetricRecord(report.Round, report.Phase, report.Arm, fit.ClientId, Task(fit.ClientId), "fit_examples", fit.NumExamples));
        }
        foreach (var eval in report.Evaluations.OrderBy(e => e.ClientId, StringComparer.Ordinal))
        {
            foreach (var (name, value) in eval.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                // A metric measured on another task (a pooled client's k-NN monitor) goes to that task's row.
                var (metric, task) = MetricNames.Split(name);
                rows.Add(new MetricRecord(report.Round, report.Phase, report.Arm, eval.ClientId, task ?? Task(eval.ClientId), metric, value));
            }
        }
        foreach (var failure in report.Failures.OrderBy(f => f.ClientId, StringComparer.Ordinal))
        {
            rows.Add(new MetricRecord(report.Round, report.Phase, report.Arm, failure.ClientId, Task(failure.ClientId), "failed", 1));
            // A refused update is counted with the kind of its fault (examples, norm, non-finite, ...).
            if (FailureReasons.RejectionKind(failure.Reason) is { } kind)
                rows.Add(new MetricRecord(report.Round, report.Phase, report.Arm, failure.ClientId, Task(failure.ClientId), RejectedPrefix + kind, 1));
        }
        foreach (var (name, value) in (strategyMetrics ?? new Dictionary<string, double>()).OrderBy(m => m.Key, StringComparer.Ordinal))
            rows.Add(new MetricRecord(report.Round, report.Phase, report.Arm, "*", "*", "strategy_" + name, value));
        // Simulated Byzantine participants, fixed by the seed: a row per attacker and round.
        foreach (var attacker in report.Attackers)
            rows.Add(new MetricRecord(report.Round, report.Phase, report.Arm, attacker, Task(attacker), Attacked, 1));
        // The simulated clock is fixed by the seed and the devices: seconds since the arm began, at the end of the round.
        if (report.SimulatedSeconds is { } simulated)
            rows.Add(new MetricRecord(report.Round, report.Phase, report.Arm, "*", "*", SimulatedSeconds, simulated));
        // Seed-determined counts only: how many replies came late depends on timing, so it goes to the summary.
        var c = report.Counts;
        foreach (var (name, value) in new[] { ("unavailable", c.Unavailable), ("dropped", c.Dropped), ("rejected", c.Rejected), ("restarted", c.Restarts) })
        {
            if (value > 0) rows.Add(new MetricRecord(report.Round, report.Phase, report.Arm, "*", "*", name, value));
        }
        return rows;
    }

    /// <summary>Appends rows and flushes them to disk, before the checkpoint that counts them is written.</summary>
    public void Append(IEnumerable<MetricRecord> rows)
    {
        foreach (var row in rows) _writer.WriteLine(row.ToCsv());
        _writer.Flush();
        ((FileStream)_writer.BaseStream).Flush(flushToDisk: true);
    }

    public void Dispose() => _writer.Dispose();
}
