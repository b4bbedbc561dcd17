using System.Text;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace FedActors.Hosting.Configuration;

/// <summary>
/// Writes the resolved <c>fedactors</c> configuration as HOCON that parses back to the same values:
/// keys in reference.conf order, every string quoted. This is the run folder's <c>config.conf</c>.
/// </summary>
public static class HoconWriter
{
    public static string Write(Config resolved, Config reference, string root = "fedactors")
    {
        ArgumentNullException.ThrowIfNull(resolved);
        ArgumentNullException.ThrowIfNull(reference);
        var sb = new StringBuilder();
        sb.Append(root).Append(' ');
        WriteObject(sb, resolved, reference.GetValue(root).GetObject(), root, 0);
        sb.Append('\n');
        return sb.ToString();
    }

    private static void WriteObject(StringBuilder sb, Config resolved, HoconObject schema, string path, int depth)
    {
        sb.Append("{\n");
        foreach (var (key, refValue) in schema.Items)
        {
            if (key.EndsWith("-template", StringComparison.Ordinal)) continue;
            var child = path + "." + key;
            Indent(sb, depth + 1).Append(Key(key)).Append(refValue.IsObject() ? " " : " = ");
            if (refValue.IsObject()) WriteObject(sb, resolved, refValue.GetObject(), child, depth + 1);
            else WriteValue(sb, resolved.GetValue(child), depth + 1);
            sb.Append('\n');
        }
        Indent(sb, depth).Append('}');
    }

    private static void WriteValue(StringBuilder sb, HoconValue? value, int depth)
    {
        if (value is null || value.IsEmpty)
        {
            sb.Append("null");
        }
        else if (ValueKinds.IsList(value))
        {
            sb.Append('[');
            var items = ValueKinds.Items(value);
            for (var i = 0; i < items.Count; i++)
            {
                if (i > 0) sb.Append(", ");
                WriteValue(sb, items[i], depth);
            }
            sb.Append(']');
        }
        else if (value.IsObject())
        {
            sb.Append("{ ");
            var first = true;
            foreach (var (k, v) in value.GetObject().Items)
            {
                if (!first) sb.Append(", ");
                first = false;
                sb.Append(Key(k)).Append(" = ");
                WriteValue(sb, v, depth);
            }
            sb.Append(" }");
        }
        else
        {
            sb.Append(Quote(value.GetString() ?? ""));
        }
    }

    private static string Key(string key) =>
        key.All(c => char.IsLetterOrDigit(c) || c is '-' or '_') ? key : Quote(key);

    private static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        }
        return sb.Append('"').ToString();
    }

    private static StringBuilder Indent(StringBuilder sb, int depth) => sb.Append(' ', depth * 2);
}
