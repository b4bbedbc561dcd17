using System.Text.Json;

namespace FedActors.Hosting.Reporting;

/// <summary>
/// Reads a <c>summary.json</c> as <see cref="SummaryWriter.Json"/> writes it back into a
/// <see cref="RunSummary"/>, so a report computes task and average accuracy with the run's own rules.
/// A summary written before per-client <c>images</c> were recorded reads with 0 images per client,
/// which <see cref="RunSummary.TaskAcc1"/> treats as equal weights.
/// </summary>
internal static class SummaryReader
{
    public static RunSummary Read(string path, string baselineArm)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new ReportException($"{path}: not valid JSON: {ex.Message}", ex);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad(path, "expected a JSON object");
            var clients = Array(root, "results", path, required: true)
                .Select((r, i) => Client(r, $"results[{i}]", path))
                .ToList();
            var walls = Array(root, "arms", path, required: true)
                .Select((a, i) => (Arm: String(a, "arm", $"arms[{i}]", path), Seconds: Number(a, "wall_seconds", $"arms[{i}]", path), Budget: OptionalString(a, "budget")))
                .ToList();
            var armOrder = walls.Select(w => w.Arm).Concat(clients.Select(c => c.Arm)).Distinct(StringComparer.Ordinal);
            var arms = armOrder.Select(arm =>
            {
                var wall = walls.FirstOrDefault(w => w.Arm == arm);
                return new ArmResult(arm, clients.Where(c => c.Arm == arm).ToList(), wall.Arm is null ? double.NaN : wall.Seconds, wall.Budget ?? "");
            }).ToList();
            var tasks = Array(root, "tasks", path, required: false).Select((t, i) => t.ValueKind == JsonValueKind.String
                    ? t.GetString()!
                    : throw Bad(path, $"tasks[{i}] is not a string"))
                .Concat(clients.Select(c => c.Task))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            var wallSeconds = root.TryGetProperty("wall_seconds", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetDouble() : double.NaN;
            return new RunSummary(arms, baselineArm, tasks, wallSeconds);
        }
    }

    private static ClientResult Client(JsonElement row, string where, string path) => new(
        String(row, "arm", where, path),
        String(row, "task", where, path),
        String(row, "client", where, path),
        Number(row, "acc1", where, path),
        row.TryGetProperty("acc5", out var acc5) && acc5.ValueKind == JsonValueKind.Number ? acc5.GetDouble() : double.NaN,
        row.TryGetProperty("images", out var images) && images.ValueKind == JsonValueKind.Number ? images.GetInt64() : 0);

    private static IEnumerable<JsonElement> Array(JsonElement root, string name, string path, bool required)
    {
        if (!root.TryGetProperty(name, out var array))
            return required ? throw Bad(path, $"has no '{name}'") : [];
        return array.ValueKind == JsonValueKind.Array ? array.EnumerateArray().ToList() : throw Bad(path, $"'{name}' is not an array");
    }

    private static string String(JsonElement obj, string name, string where, string path) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw Bad(path, $"{where} has no string '{name}'");

    private static string? OptionalString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double Number(JsonElement obj, string name, string where, string path) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.GetDouble()
            : throw Bad(path, $"{where} has no number '{name}'");

    private static ReportException Bad(string path, string problem) => new($"{path}: {problem}");
}
