using System.Text;

namespace FedActors.Engine;

/// <summary>Turns ids (client ids, arm names) into valid, distinct actor names.</summary>
public static class ActorNames
{
    // Characters Akka allows in a path element, minus '$' (reserved at the start) and '%' (our escape).
    private const string Kept = "-_.*+:@&=,!~';()";

    /// <summary>
    /// <paramref name="id"/> with every byte of its UTF-8 form that Akka does not allow in a name written as
    /// <c>%XX</c>. Injective: two ids never share a name.
    /// </summary>
    public static string Escape(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var name = new StringBuilder(id.Length);
        foreach (var b in Encoding.UTF8.GetBytes(id))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || (b < 128 && Kept.Contains(c, StringComparison.Ordinal))) name.Append(c);
            else name.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return name.ToString();
    }
}
