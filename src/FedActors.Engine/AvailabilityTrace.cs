using System.Collections.Frozen;
using System.Globalization;

namespace FedActors.Engine;

/// <summary>
/// Which clients can be reached in which round, read from a text file. One line per round:
/// <code>
/// # comment
/// 1: alice bob carol        # round 1 of every phase
/// 2: alice, carol
/// heads/2: bob              # round 2 of phase heads only (wins over "2:" there)
/// 3:                        # nobody
/// </code>
/// Ids are separated by spaces or commas. A round the trace does not list has every client available.
/// </summary>
public sealed class AvailabilityTrace
{
    private readonly FrozenDictionary<string, FrozenSet<string>> _rounds;

    private AvailabilityTrace(string source, Dictionary<string, FrozenSet<string>> rounds)
    {
        Source = source;
        _rounds = rounds.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Where the trace came from (a path), for messages.</summary>
    public string Source { get; }

    /// <summary>Every client id the trace names, in ordinal order.</summary>
    public IReadOnlyList<string> ClientIds =>
        [.. _rounds.Values.SelectMany(ids => ids).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">A line is malformed; the message names the file and the line.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static AvailabilityTrace Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses a trace; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="FormatException">A line is malformed; the message names the source and the line.</exception>
    public static AvailabilityTrace Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rounds = new Dictionary<string, FrozenSet<string>>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var comment = line.IndexOf('#', StringComparison.Ordinal);
            if (comment >= 0) line = line[..comment];
            line = line.Trim();
            if (line.Length == 0) continue;
            FormatException Bad(string why) => new($"{source}:{i + 1}: {why} (a line reads '<round>: <client ids>' or '<phase>/<round>: <client ids>')");
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) throw Bad($"no ':' in '{line}'");
            var key = ParseKey(line[..colon].Trim(), Bad);
            var ids = line[(colon + 1)..].Split([' ', '\t', ',', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (!rounds.TryAdd(key, ids.ToFrozenSet(StringComparer.Ordinal)))
                throw Bad($"round '{key}' is listed twice");
        }
        return new AvailabilityTrace(source, rounds);
    }

    /// <summary>
    /// Whether the trace lists round <paramref name="round"/> of <paramref name="phase"/> (its own line, else
    /// the line for that round number), and if so who is available then.
    /// </summary>
    public bool TryGetAvailable(string phase, int round, out IReadOnlySet<string> available)
    {
        var number = round.ToString(CultureInfo.InvariantCulture);
        if (_rounds.TryGetValue($"{phase}/{number}", out var ids) || _rounds.TryGetValue(number, out ids))
        {
            available = ids;
            return true;
        }
        available = FrozenSet<string>.Empty;
        return false;
    }

    /// <summary>Whether <paramref name="clientId"/> can be reached in that round.</summary>
    public bool IsAvailable(string phase, int round, string clientId) =>
        !TryGetAvailable(phase, round, out var available) || available.Contains(clientId);

    private static string ParseKey(string key, Func<string, FormatException> bad)
    {
        var slash = key.LastIndexOf('/');
        var phase = slash < 0 ? "" : key[..slash].Trim();
        var roundText = slash < 0 ? key : key[(slash + 1)..].Trim();
        if (slash >= 0 && phase.Length == 0) throw bad($"empty phase in '{key}'");
        if (!int.TryParse(roundText, NumberStyles.None, CultureInfo.InvariantCulture, out var round) || round < 1)
            throw bad($"'{roundText}' is not a round number (1 or more)");
        var number = round.ToString(CultureInfo.InvariantCulture);
        return phase.Length == 0 ? number : $"{phase}/{number}";
    }
}
