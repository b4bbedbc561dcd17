using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Configuration.Hocon;

namespace FedActors.Hosting.Configuration;

/// <summary>The type a configuration value has, inferred from how reference.conf writes its default.</summary>
public enum ValueKind
{
    String,
    Boolean,
    Integer,
    Number,
    Duration,
    List,
    Object,
}

public static partial class ValueKinds
{
    private static readonly HashSet<string> Booleans = new(StringComparer.OrdinalIgnoreCase) { "true", "false", "on", "off", "yes", "no" };

    /// <summary>Whether the value is a list, the empty list included.</summary>
    public static bool IsList(HoconValue value) => value.IsArray() || value.Values.Any(v => v is HoconArray);

    /// <summary>The list's items; none for the empty list.</summary>
    public static IList<HoconValue> Items(HoconValue value) => value.IsArray() ? value.GetArray() : [];

    public static ValueKind Of(HoconValue value)
    {
        if (value.IsObject()) return ValueKind.Object;
        // An empty list "[]" answers false to IsArray() in Akka's parser; its element is still a HoconArray.
        if (IsList(value)) return ValueKind.List;
        return OfLiteral(value.GetString() ?? "");
    }

    public static ValueKind OfLiteral(string text)
    {
        if (Booleans.Contains(text)) return ValueKind.Boolean;
        if (IntegerPattern().IsMatch(text)) return ValueKind.Integer;
        if (NumberPattern().IsMatch(text)) return ValueKind.Number;
        if (DurationPattern().IsMatch(text) || text is "infinite" or "inf") return ValueKind.Duration;
        return ValueKind.String;
    }

    /// <summary>Whether a user value of kind <paramref name="actual"/> may stand where reference.conf has <paramref name="expected"/>.</summary>
    public static bool Accepts(ValueKind expected, ValueKind actual) => expected switch
    {
        ValueKind.String => actual is not (ValueKind.List or ValueKind.Object),
        ValueKind.Number => actual is ValueKind.Number or ValueKind.Integer,
        _ => expected == actual,
    };

    public static string Describe(ValueKind kind) => kind switch
    {
        ValueKind.Integer => "an integer",
        ValueKind.Number => "a number",
        ValueKind.Boolean => "a boolean (true/false)",
        ValueKind.Duration => "a duration (e.g. 30s, 5m)",
        ValueKind.List => "a list",
        ValueKind.Object => "an object",
        _ => "a string",
    };

    public static string Show(HoconValue value) =>
        value.IsObject() ? "{...}" : value.IsArray() ? "[...]" : "'" + value.GetString() + "'";

    [GeneratedRegex(@"^[-+]?\d+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"^\d+(\.\d+)?\s*(ns|us|ms|s|m|h|d|nanos?|micros?|millis?|seconds?|minutes?|hours?|days?)$")]
    private static partial Regex DurationPattern();
}
