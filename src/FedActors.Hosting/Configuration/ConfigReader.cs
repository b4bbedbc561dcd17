using System.Globalization;
using Akka.Configuration;

namespace FedActors.Hosting.Configuration;

/// <summary>Typed reads of a <see cref="LoadedConfig"/>; a bad value is a <see cref="ConfigException"/> naming key and source.</summary>
public sealed class ConfigReader
{
    private readonly LoadedConfig _loaded;

    public ConfigReader(LoadedConfig loaded) => _loaded = loaded;

    public Config Config => _loaded.Config;

    public string String(string path) => Read(path, c => c.GetString(path) ?? "");

    public int Int(string path, int min = int.MinValue, int max = int.MaxValue)
    {
        var value = Read(path, c => int.Parse(c.GetString(path), NumberStyles.Integer, CultureInfo.InvariantCulture));
        if (value < min || value > max) throw Invalid(path, value.ToString(CultureInfo.InvariantCulture), $"must be in {min}..{max}");
        return value;
    }

    public long Long(string path) =>
        Read(path, c => long.Parse(c.GetString(path), NumberStyles.Integer, CultureInfo.InvariantCulture));

    public double Double(string path, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        var value = Read(path, c => double.Parse(c.GetString(path), NumberStyles.Float, CultureInfo.InvariantCulture));
        if (!(value >= min && value <= max)) throw Invalid(path, value.ToString(CultureInfo.InvariantCulture), $"must be in {min}..{max}");
        return value;
    }

    public bool Bool(string path) => Read(path, c => c.GetBoolean(path));

    public IReadOnlyList<string> StringList(string path) => Read(path, c => (IReadOnlyList<string>)c.GetStringList(path).ToList());

    public IReadOnlyList<int> IntList(string path) => Read(path, c => (IReadOnlyList<int>)c.GetIntList(path).ToList());

    /// <summary>One of <paramref name="allowed"/> (case-sensitive, as written in reference.conf).</summary>
    public string OneOf(string path, params string[] allowed)
    {
        var value = String(path);
        if (!allowed.Contains(value, StringComparer.Ordinal))
            throw Invalid(path, value, $"must be one of {string.Join(", ", allowed)}");
        return value;
    }

    /// <summary>Runs <paramref name="build"/>; an <see cref="ArgumentException"/> it throws is reported against <paramref name="path"/>.</summary>
    public T Build<T>(string path, Func<T> build)
    {
        try
        {
            return build();
        }
        catch (Exception ex) when (ex is ArgumentException or ConfigurationException)
        {
            throw new ConfigException($"{_loaded.SourceOf(path)}: '{path}': {ex.Message}", ex);
        }
    }

    public ConfigException Invalid(string path, string value, string why) =>
        new($"{_loaded.SourceOf(path)}: key '{path}' = '{value}' {why}");

    private T Read<T>(string path, Func<Config, T> read)
    {
        if (!_loaded.Config.HasPath(path)) throw new ConfigException($"{_loaded.SourceOf(path)}: key '{path}' is missing");
        try
        {
            return read(_loaded.Config);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ConfigurationException or InvalidCastException)
        {
            var raw = _loaded.Config.GetValue(path);
            throw new ConfigException(
                $"{_loaded.SourceOf(path)}: key '{path}' has a value of the wrong type ({(raw?.IsString() == true ? raw.GetString() : "?")}): {ex.Message}",
                ex);
        }
    }
}
