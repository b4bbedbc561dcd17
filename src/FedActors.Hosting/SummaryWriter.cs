using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FedActors.Hosting;

/// <summary>Writes <c>summary.json</c> and <c>summary.md</c>, and renders the Table-2-like result.</summary>
public static class SummaryWriter
{
    public static async Task WriteAsync(string runDir, RunSummary summary, CancellationToken ct = default)
    {
        await File.WriteAllTextAsync(Path.Combine(runDir, "summary.json"), Json(summary), ct).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(runDir, "summary.md"), Markdown(summary), ct).ConfigureAwait(false);
    }

    public static string Json(RunSummary summary)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("results");
            foreach (var row in summary.Arms.SelectMany(a => a.Clients))
            {
                w.WriteStartObject();
                w.WriteString("arm", row.Arm);
                w.WriteString("task", row.Task);
                w.WriteString("client", row.Client);
                w.WriteNumber("acc1", row.Acc1);
                w.WriteNumber("acc5", row.Acc5);
                w.WriteNumber("images", row.Examples);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            // The table's column order; `fedactors report` reads it back with the images that weight each task.
            w.WriteStartArray("tasks");
            foreach (var task in summary.Tasks) w.WriteStringValue(task);
            w.WriteEndArray();
            w.WriteNumber("wall_seconds", Math.Round(summary.WallSeconds, 3));
            w.WriteStartArray("arms");
            foreach (var arm in summary.Arms)
            {
                w.WriteStartObject();
                w.WriteString("arm", arm.Arm);
                w.WriteNumber("wall_seconds", Math.Round(arm.WallSeconds, 3));
                w.WriteString("budget", arm.Budget);
                w.WriteNumber("unavailable", arm.Counts.Unavailable);
                w.WriteNumber("dropped", arm.Counts.Dropped);
                w.WriteNumber("late", arm.Counts.Late);
                w.WriteNumber("rejected", arm.Counts.Rejected);
                w.WriteNumber("restarted", arm.Counts.Restarts);
                w.WriteNumber("failed", arm.Counts.Failed);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("fairness");
            foreach (var f in summary.Fairness)
            {
                w.WriteStartObject();
                w.WriteString("arm", f.Arm);
                w.WriteString("task", f.Task);
                w.WriteNumber("clients", f.Clients);
                w.WriteNumber("mean", f.Mean);
                w.WriteNumber("std", f.Std);
                w.WriteNumber("worst10", f.Worst10);
                w.WriteNumber("best10", f.Best10);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("time_to_accuracy");
            foreach (var t in summary.TimesToAccuracy)
            {
                w.WriteStartObject();
                w.WriteString("arm", t.Arm);
                w.WriteString("task", t.Task);
                w.WriteNumber("target", t.Target);
                if (t.Round is { } round) w.WriteNumber("round", round);
                else w.WriteNull("round");
                if (t.SimulatedHours is { } hours) w.WriteNumber("simulated_hours", hours);
                else w.WriteNull("simulated_hours");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("rejected_updates");
            foreach (var rejections in summary.Rejections)
            {
                w.WriteStartObject(rejections.Arm);
                foreach (var (kind, count) in rejections.ByKind) w.WriteNumber(kind, count);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartArray("data");
            foreach (var report in summary.DataReports)
            {
                w.WriteStartObject();
                w.WriteString("client", report.Dataset);
                w.WriteNumber("loaded", report.Loaded);
                w.WriteNumber("skipped_missing", report.SkippedMissing);
                w.WriteNumber("skipped_bad", report.SkippedBad.Count);
                w.WriteStartArray("bad_files");
                foreach (var bad in report.SkippedBad)
                {
                    w.WriteStartObject();
                    w.WriteString("path", bad.Path);
                    w.WriteString("reason", bad.Reason);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>A row per arm, a column per task (Acc@1 %), the average, and the delta vs the baseline arm.</summary>
    public static string Table(RunSummary summary)
    {
        var inv = CultureInfo.InvariantCulture;
        var header = new List<string> { "arm" };
        header.AddRange(summary.Tasks);
        header.Add("average");
        header.Add($"delta vs {summary.BaselineArm}");
        var rows = new List<List<string>>();
        var baseline = summary.AverageAcc1(summary.BaselineArm);
        foreach (var arm in summary.Arms)
        {
            var row = new List<string> { arm.Arm };
            row.AddRange(summary.Tasks.Select(t => Percent(summary.TaskAcc1(arm.Arm, t))));
            var avg = summary.AverageAcc1(arm.Arm);
            row.Add(Percent(avg));
            row.Add(arm.Arm == summary.BaselineArm || avg is null || baseline is null
                ? "-"
                : (100 * (avg.Value - baseline.Value)).ToString("+0.00;-0.00;0.00", inv));
            rows.Add(row);
        }
        return MarkdownTable.Render(header, rows);
    }

    public static string Markdown(RunSummary summary)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("# FedActors run summary\n\n");
        sb.Append("Acc@1 (%) on each client's evaluation split; a task's value is the mean over its clients weighted by images.\n\n");
        sb.Append(Table(summary)).Append('\n');
        sb.Append("## Per client\n\n| arm | task | client | acc1 | acc5 | images |\n|---|---|---|---:|---:|---:|\n");
        foreach (var r in summary.Arms.SelectMany(a => a.Clients))
            sb.Append(inv, $"| {r.Arm} | {r.Task} | {r.Client} | {100 * r.Acc1:F2} | {100 * r.Acc5:F2} | {r.Examples} |\n");
        if (summary.Arms.Any(a => a.Clients.GroupBy(c => c.Task).Any(g => g.Count() > 1)))
        {
            sb.Append("\n## Fairness\n\nAcc@1 (%) over each task's clients, every client counting once: mean, standard deviation, ")
                .Append("the mean of the worst and of the best tenth of the clients.\n\n")
                .Append("| arm | task | clients | mean | std | worst 10% | best 10% |\n|---|---|---:|---:|---:|---:|---:|\n");
            foreach (var f in summary.Fairness)
                sb.Append(inv, $"| {f.Arm} | {f.Task} | {f.Clients} | {100 * f.Mean:F2} | {100 * f.Std:F2} | {100 * f.Worst10:F2} | {100 * f.Best10:F2} |\n");
        }
        if (summary.TimesToAccuracy.Count > 0)
        {
            sb.Append("\n## Time to accuracy\n\nThe first round at which a task's mean Acc@1 over its evaluated clients reached the target ")
                .Append("(rounds counted over the arm, SimCLR's included), and the simulated hours at its end (simulation.clock).\n\n")
                .Append("| arm | task | target | round | simulated hours |\n|---|---|---:|---:|---:|\n");
            foreach (var t in summary.TimesToAccuracy)
            {
                sb.Append(inv, $"| {t.Arm} | {t.Task} | {100 * t.Target:F1} | {(t.Round is { } r ? r.ToString(inv) : "not reached")} | ")
                    .Append(t.SimulatedHours is { } h ? h.ToString("F3", inv) : "-").Append(" |\n");
            }
        }
        sb.Append("\n## Budgets, faults and wall time\n\n| arm | budget | unavailable | dropped | late | rejected | restarted | seconds |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
        foreach (var a in summary.Arms)
        {
            var c = a.Counts;
            sb.Append(inv, $"| {a.Arm} | {a.Budget} | {c.Unavailable} | {c.Dropped} | {c.Late} | {c.Rejected} | {c.Restarts} | {a.WallSeconds:F1} |\n");
        }
        if (summary.Rejections.Count > 0)
        {
            sb.Append("\n## Refused updates\n\nUpdates that failed validation (engine.validation, the client's shard size), per kind; "
                + "metrics.csv has a `rejected_<kind>` row for each, by round and client.\n\n");
            foreach (var r in summary.Rejections)
                sb.Append("- ").Append(r.Arm).Append(": ").Append(string.Join(", ", r.ByKind.Select(k => $"{k.Value} {k.Key}"))).Append('\n');
        }
        if (summary.DataReports.Count > 0)
        {
            sb.Append("\n## Data\n\n");
            foreach (var report in summary.DataReports) sb.Append("- ").Append(report).Append('\n');
            foreach (var bad in summary.DataReports.SelectMany(r => r.SkippedBad)) sb.Append("  - skipped ").Append(bad.Path).Append(": ").Append(bad.Reason).Append('\n');
        }
        sb.Append(inv, $"\nWhole run: {summary.WallSeconds:F1} s.\n");
        return sb.ToString();
    }

    private static string Percent(double? value) =>
        value is null ? "-" : (100 * value.Value).ToString("F2", CultureInfo.InvariantCulture);
}
