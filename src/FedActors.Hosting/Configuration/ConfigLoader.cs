using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace FedActors.Hosting.Configuration;

/// <summary>A merged configuration and, for every key a user set, where it was set.</summary>
public sealed class LoadedConfig
{
    private readonly IReadOnlyDictionary<string, string> _sources;
    private readonly IReadOnlyList<(string Key, string Source)> _order;

    internal LoadedConfig(Config config, IReadOnlyList<(string Key, string Source)> order, IReadOnlyList<string> files)
    {
        Config = config;
        _order = order;
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, source) in order) sources[key] = source;
        _sources = sources;
        Files = files;
    }

    /// <summary>User layers over the embedded reference.conf.</summary>
    public Config Config { get; }

    /// <summary>The configuration files that were read, in order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>
    /// The file (or <c>--set k=v</c>) that set <paramref name="path"/>: for a list entry
    /// (<c>a.list[2].x</c>) the layer that set the list; for an object, the last layer that set a key
    /// inside it; <c>reference.conf</c> when no user layer did.
    /// </summary>
    public string SourceOf(string path)
    {
        var bracket = path.IndexOf('[', StringComparison.Ordinal);
        var key = bracket < 0 ? path : path[..bracket];
        if (_sources.TryGetValue(key, out var source)) return source;
        var inside = _sources.Keys.Where(k => k.StartsWith(key + ".", StringComparison.Ordinal)).ToList();
        return inside.Count > 0 ? _order.Last(s => inside.Contains(s.Key)).Source : "reference.conf";
    }
}

/// <summary>
/// Loads configuration the FedActors way: embedded reference.conf, then each <c>--config</c> file in
/// order, then each <c>--set key=value</c>; every user layer is validated against reference.conf.
/// </summary>
public static partial class ConfigLoader
{
    public const string ReferenceResource = "FedActors.Engine.reference.conf";

    public static Config Reference()
    {
        var assembly = typeof(FedActors.Engine.Experiment).Assembly;
        using var stream = assembly.GetManifestResourceStream(ReferenceResource)
            ?? throw new InvalidOperationException($"embedded resource {ReferenceResource} is missing from {assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    public static LoadedConfig Load(IReadOnlyList<string> files, IReadOnlyList<string> sets)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(sets);
        var reference = Reference();
        var schema = new ConfigSchema(reference);
        var sources = new List<(string Key, string Source)>();
        var merged = reference;

        foreach (var file in files)
        {
            if (!File.Exists(file)) throw new ConfigException($"config file '{file}' not found");
            var layer = Parse(Environment(File.ReadAllText(file)), file);
            schema.Validate(layer, file);
            Record(layer, file, sources);
            merged = layer.WithFallback(merged);
        }
        foreach (var set in sets)
        {
            var source = $"--set {set}";
            var layer = ParseAssignment(set, source);
            schema.Validate(layer, source);
            Record(layer, source, sources);
            merged = layer.WithFallback(merged);
        }
        return new LoadedConfig(merged, sources, files.ToList());
    }

    /// <summary>
    /// Resolves <c>${?NAME}</c> from the environment before parsing: the value as a quoted string, or
    /// "" when NAME is unset. (Akka's HOCON parser mishandles an optional substitution that resolves to
    /// nothing, so FedActors resolves environment references itself.)
    /// </summary>
    internal static string Environment(string text) =>
        EnvReference().Replace(text, m =>
        {
            var value = System.Environment.GetEnvironmentVariable(m.Groups[1].Value) ?? "";
            return "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        });

    [System.Text.RegularExpressions.GeneratedRegex(@"""?\$\{\?([A-Za-z_][A-Za-z0-9_]*)\}""?")]
    private static partial System.Text.RegularExpressions.Regex EnvReference();

    /// <summary>Parses user text, inside the <see cref="HoconLimits"/> that keep Akka's parser from crashing or looping.</summary>
    private static Config Parse(string text, string source)
    {
        HoconLimits.CheckText(text, source);
        Config config;
        try
        {
            // Without a callback Akka's parser meets an include with a NullReferenceException.
            config = ConfigurationFactory.ParseString(
                text,
                include => throw new ConfigException($"{source}: include \"{include}\" is not supported; pass each file with --config"));
        }
        catch (Exception ex) when (ex is ConfigurationException or FormatException or InvalidOperationException)
        {
            throw new ConfigException($"{source}: cannot parse HOCON: {FirstLine(ex.Message)}", ex);
        }
        HoconLimits.CheckValues(config, text.Length, source);
        return config;
    }

    /// <summary><c>key=value</c>; a value that is not valid HOCON on its own (a path with ':') is taken as a string.</summary>
    private static Config ParseAssignment(string assignment, string source)
    {
        var eq = assignment.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0) throw new ConfigException($"{source}: expected key=value");
        var key = assignment[..eq].Trim();
        var value = assignment[(eq + 1)..].Trim();
        if (key.Length == 0 || key.Any(char.IsWhiteSpace)) throw new ConfigException($"{source}: '{key}' is not a key");
        try
        {
            var parsed = Parse($"{key} = {value}", source);
            if (parsed.HasPath(key)) return parsed;
        }
        catch (ConfigException)
        {
            // fall through: quote it
        }
        var quoted = "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        return Parse($"{key} = {quoted}", source);
    }

    private static void Record(Config layer, string source, List<(string Key, string Source)> sources)
    {
        if (layer.Root is null || !layer.Root.IsObject()) return;
        Walk(layer.Root.GetObject(), "", source, sources);
    }

    private static void Walk(HoconObject obj, string prefix, string source, List<(string Key, string Source)> sources)
    {
        foreach (var (key, value) in obj.Items)
        {
            var path = prefix.Length == 0 ? key : prefix + "." + key;
            if (value.IsObject()) Walk(value.GetObject(), path, source, sources);
            else sources.Add((path, source));
        }
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOfAny(['\r', '\n']);
        return i < 0 ? s : s[..i];
    }
}
