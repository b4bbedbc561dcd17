using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using FedActors.Hosting.Configuration;

namespace FedActors.Hosting.Reporting;

/// <summary>
/// A finished run's <c>config.conf</c> flattened to key paths in file order (<c>fedactors.heads.lr</c>,
/// <c>fedactors.data.clients[0].id</c>), so two runs can be checked for being one experiment.
/// </summary>
public sealed class RunConfig
{
    /// <summary>
    /// Keys in which runs of one experiment may differ: the seed, the folder the run was written to, and which arms
    /// it ran (every draw of an arm comes from the seed, the client and the purpose, never from the other arms, so
    /// an arm run alone gives the bits it gives beside others).
    /// </summary>
    public static readonly IReadOnlyList<string> PerRunKeys = ["fedactors.seed", "fedactors.output.dir", "fedactors.arms"];

    /// <summary>
    /// Sections only some arms read: <c>cl</c> and <c>fl</c> run the supervised phase alone and never read the SimCLR
    /// or heads settings (the heads phase does read <c>supervised.augment</c>, so no section is scoped the other
    /// way). Two runs are not compared on such a key when one of them holds none of its readers: a <c>cl</c> run
    /// pools with <c>fl+ssl</c> runs of a stage-2 setting it never saw.
    /// </summary>
    public static readonly IReadOnlyList<(string Section, IReadOnlyList<string> ReadBy)> ArmScopedSections =
    [
        ("fedactors.simclr", [Hosting.Arms.FederatedSsl, Hosting.Arms.CentralizedSsl]),
        ("fedactors.heads", [Hosting.Arms.FederatedSsl, Hosting.Arms.CentralizedSsl]),
        ("fedactors.heads-strategy", [Hosting.Arms.FederatedSsl, Hosting.Arms.CentralizedSsl]),
    ];

    private readonly Dictionary<string, string> _byKey;

    private RunConfig(string source, IReadOnlyList<KeyValuePair<string, string>> values)
    {
        Source = source;
        Values = values;
        _byKey = values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        Seed = ReadSeed();
        Arms = values.Where(v => v.Key.StartsWith("fedactors.arms[", StringComparison.Ordinal)).Select(v => v.Value).ToList();
        if (Arms.Count == 0) throw Missing("fedactors.arms");
        BaselineArm = Value("fedactors.baseline-arm") ?? throw Missing("fedactors.baseline-arm");
    }

    /// <summary>The file it was read from, for messages.</summary>
    public string Source { get; }

    /// <summary>Every leaf value by key path, in file order; an empty list is the leaf <c>[]</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Values { get; }

    /// <summary><c>fedactors.seed</c>.</summary>
    public long Seed { get; }

    /// <summary><c>fedactors.arms</c>, in run order.</summary>
    public IReadOnlyList<string> Arms { get; }

    /// <summary><c>fedactors.baseline-arm</c>.</summary>
    public string BaselineArm { get; }

    public string? Value(string key) => _byKey.GetValueOrDefault(key);

    public static RunConfig Read(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses <paramref name="hocon"/>; <see cref="ReportException"/> names <paramref name="source"/> when it is not a run's configuration.</summary>
    public static RunConfig Parse(string hocon, string source)
    {
        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(hocon);
        }
        catch (Exception ex) when (ex is ConfigurationException or FormatException or InvalidOperationException)
        {
            throw new ReportException($"{source}: cannot parse HOCON: {ex.Message.ReplaceLineEndings(" ")}", ex);
        }
        var values = new List<KeyValuePair<string, string>>();
        if (config.Root is { } root && root.IsObject()) Flatten(root, "", values);
        return new RunConfig(source, values);
    }

    /// <summary>
    /// The first key, in this file's order and then the other's, whose value differs between the two
    /// configurations, leaving out <see cref="PerRunKeys"/> and the <see cref="ArmScopedSections"/> one of the two
    /// runs does not read; <c>null</c> when they are one experiment. A key one of them lacks has the value
    /// <c>null</c> there.
    /// </summary>
    public (string Key, string? Mine, string? Theirs)? FirstDifference(RunConfig other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var key in Values.Select(v => v.Key).Concat(other.Values.Select(v => v.Key)))
        {
            if (IsPerRun(key) || !Reads(key) || !other.Reads(key)) continue;
            var mine = Value(key);
            var theirs = other.Value(key);
            if (!string.Equals(mine, theirs, StringComparison.Ordinal)) return (key, mine, theirs);
        }
        return null;
    }

    private static bool IsPerRun(string key) =>
        PerRunKeys.Any(k => key == k || (key.StartsWith(k, StringComparison.Ordinal) && key[k.Length] == '['));

    /// <summary>Whether one of this run's arms reads <paramref name="key"/> (every key outside <see cref="ArmScopedSections"/>).</summary>
    public bool Reads(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var (section, readBy) in ArmScopedSections)
        {
            if (Under(key, section)) return Arms.Any(arm => readBy.Contains(arm, StringComparer.Ordinal));
        }
        return true;
    }

    private static bool Under(string key, string section) =>
        key.StartsWith(section, StringComparison.Ordinal) && (key.Length == section.Length || key[section.Length] is '.' or '[');

    private static void Flatten(HoconValue value, string path, List<KeyValuePair<string, string>> values)
    {
        if (value.IsObject())
        {
            foreach (var (key, child) in value.GetObject().Items)
                Flatten(child, path.Length == 0 ? key : path + "." + key, values);
        }
        else if (ValueKinds.IsList(value))
        {
            var items = ValueKinds.Items(value);
            if (items.Count == 0) values.Add(new(path, "[]"));
            for (var i = 0; i < items.Count; i++) Flatten(items[i], path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", values);
        }
        else
        {
            values.Add(new(path, value.IsEmpty ? "null" : value.GetString() ?? "null"));
        }
    }

    private long ReadSeed()
    {
        var text = Value("fedactors.seed") ?? throw Missing("fedactors.seed");
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : throw new ReportException($"{Source}: fedactors.seed = '{text}' is not an integer");
    }

    private ReportException Missing(string key) => new($"{Source}: {key} is missing; is this a FedActors run's config.conf?");
}
