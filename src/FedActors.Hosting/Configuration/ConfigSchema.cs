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
    private const string FedActorsRoot = "fedactors";
    private const string AkkaRoot = "akka";
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
            if (prefix.Length == 0 && key == AkkaRoot) continue; // Akka's own settings pass through untouched.
            if (!reference.Items.TryGetValue(key, out var expected))
            {
                throw new ConfigException(prefix.Length == 0
                    ? $"{source}: unknown top-level key '{FirstLeaf(value, path)}': only '{FedActorsRoot}' and '{AkkaRoot}' may be set{SuggestTopLevel(key)}"
                    : $"{source}: unknown key '{path}'{Suggest(key, reference)}");
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

    /// <summary>
    /// For a top-level typo: the root it was meant to be under (<c>fedactor.simclr.rounds</c>), or the FedActors key of
    /// that name or near it (<c>seed = 3</c> means <c>fedactors.seed</c>).
    /// </summary>
    private string SuggestTopLevel(string key)
    {
        if (Levenshtein(key, FedActorsRoot) <= 2) return DidYouMean(FedActorsRoot);
        if (Levenshtein(key, AkkaRoot) <= 1) return DidYouMean(AkkaRoot);
        var near = Nearest(key, _reference.GetConfig(FedActorsRoot).Root.GetObject());
        return near is null ? "" : DidYouMean($"{FedActorsRoot}.{near}");
    }

    /// <summary>The first full key under <paramref name="path"/> (<c>fedactor.simclr.rounds</c> rather than <c>fedactor</c>).</summary>
    private static string FirstLeaf(HoconValue value, string path)
    {
        while (value.IsObject() && value.GetObject().Items.Count > 0)
        {
            var (key, inner) = value.GetObject().Items.First();
            path += "." + key;
            value = inner;
        }
        return path;
    }

    private static string Suggest(string key, HoconObject reference) => Nearest(key, reference) is { } near ? DidYouMean(near) : "";

    private static string DidYouMean(string key) => $" (did you mean '{key}'?)";

    /// <summary>The key of <paramref name="reference"/> nearest to <paramref name="key"/>, if it is near enough to be a typo.</summary>
    private static string? Nearest(string key, HoconObject reference)
    {
        var best = reference.Items.Keys
            .Where(k => !k.EndsWith(TemplateSuffix, StringComparison.Ordinal))
            .Select(k => (Key: k, Distance: Levenshtein(k, key)))
            .OrderBy(x => x.Distance)
            .FirstOrDefault();
        return best.Key is not null && best.Distance <= Math.Max(2, key.Length / 3) ? best.Key : null;
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
