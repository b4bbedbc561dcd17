using System.Text.RegularExpressions;

namespace FedActors.Hosting.Tests;

/// <summary>
/// Reads the keys of a HOCON file as they are written, one per line (<c>key = value</c>, <c>key: value</c> or
/// <c>key {</c>), and whether each is documented: the line right above it is a <c>#</c> comment. A blank line, a
/// block's opening line or another key in between leaves a key undocumented. Lines inside a list (the objects
/// of <c>clients = [ ... ]</c>) are values, not keys.
/// </summary>
internal static partial class ConfComments
{
    public sealed record Key(int Line, string Name, bool Documented);

    public static IReadOnlyList<Key> Keys(string hocon)
    {
        ArgumentNullException.ThrowIfNull(hocon);
        var keys = new List<Key>();
        var lines = hocon.Split('\n');
        var listDepth = 0;
        var previous = "";
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            var isComment = line.StartsWith('#') || line.StartsWith("//", StringComparison.Ordinal);
            if (!isComment)
            {
                if (listDepth == 0 && KeyLine().Match(line) is { Success: true } key)
                    keys.Add(new Key(i + 1, key.Groups["key"].Value, previous.StartsWith('#')));
                var code = Code(line);
                listDepth += code.Count(c => c == '[') - code.Count(c => c == ']');
            }
            previous = line;
        }
        return keys;
    }

    /// <summary>The keys of <paramref name="hocon"/> without a comment right above them, as "line N: key".</summary>
    public static IReadOnlyList<string> Undocumented(string hocon) =>
        [.. Keys(hocon).Where(k => !k.Documented).Select(k => $"line {k.Line}: {k.Name}")];

    /// <summary>The line without its quoted strings and trailing comment.</summary>
    private static string Code(string line)
    {
        var unquoted = QuotedString().Replace(line, "\"\"");
        var comment = unquoted.IndexOf('#', StringComparison.Ordinal);
        var slashes = unquoted.IndexOf("//", StringComparison.Ordinal);
        var end = new[] { comment, slashes, unquoted.Length }.Where(i => i >= 0).Min();
        return unquoted[..end];
    }

    [GeneratedRegex(@"^(?<key>""?[A-Za-z0-9_.\-]+""?)\s*(=|:|\{)")]
    private static partial Regex KeyLine();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""")]
    private static partial Regex QuotedString();
}
