using System.Globalization;
using System.Text.Json;

namespace FedActors.Data.Devices;

/// <summary>
/// FedScale's device trace (its <c>client_device_capacity</c>) as JSON: an object mapping a trace client id to
/// <c>{ "computation": ms per example, "communication": kbit/s }</c>. Entries are kept in ordinal order of their ids.
/// </summary>
public sealed class FedScaleDeviceTrace
{
    private FedScaleDeviceTrace(string source, IReadOnlyList<(string Id, DeviceProfile Profile)> entries)
    {
        Source = source;
        Entries = entries;
    }

    public string Source { get; }

    public IReadOnlyList<(string Id, DeviceProfile Profile)> Entries { get; }

    /// <exception cref="FormatException">The file is not such a trace; the message names the file and the entry.</exception>
    public static FedScaleDeviceTrace Load(string path) => Parse(FedScaleJson.Read(path), path);

    /// <exception cref="FormatException">The text is not such a trace; the message names <paramref name="source"/> and the entry.</exception>
    public static FedScaleDeviceTrace Parse(string json, string source)
    {
        var entries = new List<(string, DeviceProfile)>();
        foreach (var (id, entry) in FedScaleJson.Entries(json, source))
        {
            var computation = FedScaleJson.Number(entry, "computation", source, id);
            var communication = FedScaleJson.Number(entry, "communication", source, id);
            if (!(computation > 0) || !(communication > 0))
                throw new FormatException($"{source}: client '{id}': computation and communication must be positive, got {computation} and {communication}");
            // computation: ms per example; communication: kbit/s.
            entries.Add((id, new DeviceProfile(1, communication * 1000 / 8, computation / 1000)));
        }
        if (entries.Count == 0) throw new FormatException($"{source}: the device trace lists no client");
        return new FedScaleDeviceTrace(source, entries);
    }
}

/// <summary>
/// FedScale's availability trace (its <c>client_behave_trace</c>) as JSON: an object mapping a trace client id to
/// <c>{ "active": [s...], "inactive": [s...], "finish_time": s }</c>: the client becomes active at each <c>active[i]</c>
/// and inactive at <c>inactive[i]</c>; the pattern repeats every <c>finish_time</c> seconds. A client is available at
/// time t when some <c>active[i] &lt;= t mod finish_time &lt; inactive[i]</c>.
/// </summary>
public sealed class FedScaleAvailabilityTrace
{
    private FedScaleAvailabilityTrace(string source, IReadOnlyList<(string Id, Behaviour Behaviour)> entries)
    {
        Source = source;
        Entries = entries;
    }

    public string Source { get; }

    public IReadOnlyList<(string Id, Behaviour Behaviour)> Entries { get; }

    /// <exception cref="FormatException">The file is not such a trace; the message names the file and the entry.</exception>
    public static FedScaleAvailabilityTrace Load(string path) => Parse(FedScaleJson.Read(path), path);

    /// <exception cref="FormatException">The text is not such a trace; the message names <paramref name="source"/> and the entry.</exception>
    public static FedScaleAvailabilityTrace Parse(string json, string source)
    {
        var entries = new List<(string, Behaviour)>();
        foreach (var (id, entry) in FedScaleJson.Entries(json, source))
        {
            var active = FedScaleJson.Numbers(entry, "active", source, id);
            var inactive = FedScaleJson.Numbers(entry, "inactive", source, id);
            var finish = FedScaleJson.Number(entry, "finish_time", source, id);
            if (active.Length != inactive.Length)
                throw new FormatException($"{source}: client '{id}': {active.Length} active times but {inactive.Length} inactive ones");
            if (!(finish > 0)) throw new FormatException($"{source}: client '{id}': finish_time must be positive, got {finish}");
            for (var i = 0; i < active.Length; i++)
            {
                if (!(active[i] >= 0 && active[i] < inactive[i] && (i == 0 || active[i] >= inactive[i - 1])))
                    throw new FormatException($"{source}: client '{id}': interval {i} [{active[i]}, {inactive[i]}) is not after the one before it");
            }
            entries.Add((id, new Behaviour(active, inactive, finish)));
        }
        if (entries.Count == 0) throw new FormatException($"{source}: the availability trace lists no client");
        return new FedScaleAvailabilityTrace(source, entries);
    }

    /// <summary>One trace client's active intervals.</summary>
    public sealed record Behaviour(double[] Active, double[] Inactive, double FinishTime)
    {
        public bool IsActive(double seconds)
        {
            var t = seconds % FinishTime;
            for (var i = 0; i < Active.Length; i++)
            {
                if (t < Active[i]) return false;
                if (t < Inactive[i]) return true;
            }
            return false;
        }
    }
}

/// <summary>Reading the JSON of FedScale's traces with errors that name the file and the entry.</summary>
internal static class FedScaleJson
{
    public static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"{path}: cannot read the trace: {e.Message}", e);
        }
    }

    /// <summary>The top-level object's entries, in ordinal order of their keys.</summary>
    public static IEnumerable<(string Id, JsonElement Entry)> Entries(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: not JSON: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new FormatException($"{source}: the trace must be a JSON object of client id -> entry");
            var entries = new List<(string, JsonElement)>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Object)
                    throw new FormatException($"{source}: client '{property.Name}': its entry must be an object");
                entries.Add((property.Name, property.Value.Clone()));
            }
            return entries.OrderBy(e => e.Item1, StringComparer.Ordinal).ToList();
        }
    }

    public static double Number(JsonElement entry, string key, string source, string id)
    {
        if (!entry.TryGetProperty(key, out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
            throw new FormatException($"{source}: client '{id}': '{key}' must be a finite number");
        return number;
    }

    public static double[] Numbers(JsonElement entry, string key, string source, string id)
    {
        if (!entry.TryGetProperty(key, out var value) || value.ValueKind != JsonValueKind.Array)
            throw new FormatException($"{source}: client '{id}': '{key}' must be a list of numbers");
        return [.. value.EnumerateArray().Select((v, i) => v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d)
            ? d
            : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: client '{id}': '{key}'[{i}] must be a finite number")))];
    }
}
