using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace FedActors.Hosting.Configuration;

/// <summary>
/// Checks a user's configuration against reference.conf, which is the schema: every key a user sets
/// must exist there, with a value of the same kind. A list whose reference elements are objects takes
/// its element schema from the sibling key <c>&lt;list&gt;-template</c> when present, else from the
/// first reference element.
/// </summary>
internal sealed class ConfigSchema
{
    private const string TemplateSuffix = "-template";
    private readonly Config _reference;

    public ConfigSchema(Config reference) => _reference = reference;

    /// <summary>Throws <see cref="ConfigException"/> naming the first offending key and <paramref name="source"/>.</summary>
    public void Validate(Config user, string source)
    {
        if (user.IsEmpty || user.Root is null || !user.Root.IsObject()) return;
        CheckObject(user.Root.GetObject(), _reference.Root.GetObject(), "", source);
    }

    private void CheckObject(HoconObject user, HoconObject reference, string prefix, string source)
    {
        foreach (var (key, value) in user.Items)
        {
            var path = prefix.Length == 0 ? key : prefix + "." + key;
            if (key.EndsWith(TemplateSuffix, StringComparison.Ordinal))
                throw new ConfigException($"{source}: key '{path}' is a schema template and cannot be set");
            if (!reference.Items.TryGetValue(key, out var expected))
            {
                // Allow settings of third-party subsystems (Akka) to pass through untouched.
                if (prefix.Length == 0 && key != "fedactors") continue;
                throw new ConfigException($"{source}: unknown key '{path}'{Suggest(key, reference)}");
            }
            CheckValue(value, expected, path, source, reference);
        }
    }

    private void CheckValue(HoconValue value, HoconValue expected, string path, string source, HoconObject referenceParent)
    {
        var expectedKind = ValueKinds.Of(expected);
        var actualKind = ValueKinds.Of(value);
        if (!ValueKinds.Accepts(expectedKind, actualKind))
        {
            throw new ConfigException(
                $"{source}: key '{path}' must be {ValueKinds.Describe(expectedKind)}, got {ValueKinds.Show(value)}");
        }
        switch (expectedKind)
        {
            case ValueKind.Object:
                CheckObject(value.GetObject(), expected.GetObject(), path, source);
                break;
            case ValueKind.List:
                CheckList(value, expected, path, source, referenceParent);
                break;
        }
    }

    private void CheckList(HoconValue value, HoconValue expected, string path, string source, HoconObject referenceParent)
    {
        var leaf = path[(path.LastIndexOf('.') + 1)..];
        HoconValue? element = null;
        if (referenceParent.Items.TryGetValue(leaf + TemplateSuffix, out var template)) element = template;
        else if (expected.IsArray() && expected.GetArray().Count > 0) element = expected.GetArray()[0];
        if (element is null) return;

        var items = value.IsArray() ? value.GetArray() : [];
        for (var i = 0; i < items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            var elementKind = ValueKinds.Of(element);
            var itemKind = ValueKinds.Of(items[i]);
            if (!ValueKinds.Accepts(elementKind, itemKind))
            {
                throw new ConfigException(
                    $"{source}: '{itemPath}' must be {ValueKinds.Describe(elementKind)}, got {ValueKinds.Show(items[i])}");
            }
            if (elementKind == ValueKind.Object)
                CheckObject(items[i].GetObject(), element.GetObject(), itemPath, source);
        }
    }

    private static string Suggest(string key, HoconObject reference)
    {
        var best = reference.Items.Keys
            .Where(k => !k.EndsWith(TemplateSuffix, StringComparison.Ordinal))
            .Select(k => (Key: k, Distance: Levenshtein(k, key)))
            .OrderBy(x => x.Distance)
            .FirstOrDefault();
        return best.Key is not null && best.Distance <= Math.Max(2, key.Length / 3) ? $" (did you mean '{best.Key}'?)" : "";
    }

    private static int Levenshtein(string a, string b)
    {
        var d = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) d[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            var prev = d[0];
            d[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var tmp = d[j];
                d[j] = Math.Min(Math.Min(d[j] + 1, d[j - 1] + 1), prev + (a[i - 1] == b[j - 1] ? 0 : 1));
                prev = tmp;
            }
        }
        return d[b.Length];
    }
}
