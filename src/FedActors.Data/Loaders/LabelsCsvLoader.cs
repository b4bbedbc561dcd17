using System.Globalization;
using System.Text;

namespace FedActors.Data.Loaders;

/// <summary>
/// Images listed in a CSV with a header naming the columns <c>file</c>, <c>label</c> and optionally
/// <c>split</c> and an owner column (any order, any case; the owner names a natural client). <c>file</c> is relative to the CSV's folder (or absolute); <c>label</c>
/// is a class name. Fields may be quoted ("a,b" and "" for a quote). Rows keep their order.
/// A listed file that is absent, a row of the wrong shape, or a label outside the given classes is a bad
/// file under the bad-file policy.
/// </summary>
public static class LabelsCsvLoader
{
    /// <param name="splits">Only rows whose split is one of these (ordinal); null for every row.</param>
    /// <param name="classNames">
    /// The label space in label order. When null it is the distinct labels of the chosen rows, sorted
    /// numerically when all are whole numbers (Flowers102's "1".."102"), otherwise ordinally.
    /// </param>
    public static LoadedDataset Load(
        string csvPath,
        LoaderOptions options,
        IReadOnlyCollection<string>? splits = null,
        IReadOnlyList<string>? classNames = null,
        Images.ImageDecoder? decoder = null,
        CancellationToken cancellationToken = default,
        string? ownerColumn = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(csvPath);
        ArgumentNullException.ThrowIfNull(options);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(csvPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DatasetException(csvPath, "labels CSV not found", e);
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(csvPath))!;
        var account = new LoadAccount(options);

        var header = lines.Length > 0 ? SplitRow(lines[0]) : null;
        var fileColumn = header?.FindIndex(h => h.Trim().Equals("file", StringComparison.OrdinalIgnoreCase)) ?? -1;
        var labelColumn = header?.FindIndex(h => h.Trim().Equals("label", StringComparison.OrdinalIgnoreCase)) ?? -1;
        var splitColumn = header?.FindIndex(h => h.Trim().Equals("split", StringComparison.OrdinalIgnoreCase)) ?? -1;
        if (header is null || fileColumn < 0 || labelColumn < 0)
            throw new DatasetException(csvPath, "the first line must be a header naming the columns file and label (and optionally split)");
        if (splits is not null && splitColumn < 0)
            throw new DatasetException(csvPath, "splits were asked for but the CSV has no split column");
        var ownerIndex = ownerColumn is null ? -1 : header.FindIndex(h => h.Trim().Equals(ownerColumn, StringComparison.OrdinalIgnoreCase));
        if (ownerColumn is not null && ownerIndex < 0)
            throw new DatasetException(csvPath, $"the header has no owner column '{ownerColumn}' (columns: {string.Join(", ", header.Select(h => h.Trim()))})");
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);

        var rows = new List<(string Path, string Label)>();
        for (var n = 1; n < lines.Length; n++)
        {
            if (string.IsNullOrWhiteSpace(lines[n])) continue;
            var where = string.Create(CultureInfo.InvariantCulture, $"{csvPath}:{n + 1}");
            var fields = SplitRow(lines[n]);
            if (fields is null || fields.Count != header.Count)
            {
                account.Bad(where, $"row has {(fields is null ? "an unclosed quote" : $"{fields.Count} fields")}, the header {header.Count}");
                continue;
            }
            if (splits is not null && !splits.Contains(fields[splitColumn].Trim())) continue;
            var file = fields[fileColumn].Trim();
            var label = fields[labelColumn].Trim();
            if (file.Length == 0 || label.Length == 0)
            {
                account.Bad(where, "row has an empty file or label");
                continue;
            }
            var full = Path.GetFullPath(Path.Combine(folder, file));
            if (ownerIndex >= 0)
            {
                var owner = fields[ownerIndex].Trim();
                if (owner.Length == 0 || owner.Any(c => char.IsWhiteSpace(c) || c is ',' or '"' or '/'))
                {
                    account.Bad(where, $"owner '{owner}' must be a non-empty name without spaces, commas, quotes or slashes");
                    continue;
                }
                owners[full] = owner;
            }
            rows.Add((full, label));
        }

        var classes = classNames ?? DiscoverClasses(rows.Select(r => r.Label));
        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        var files = new List<LabeledFile>(rows.Count);
        foreach (var (path, label) in rows)
        {
            if (!classIndex.TryGetValue(label, out var index))
            {
                account.Bad(path, $"label '{label}' in {csvPath} is not one of the {classes.Count} classes");
                continue;
            }
            files.Add(new LabeledFile(path, index));
        }
        var name = Path.GetFileName(folder);
        var loaded = account.Assemble(name, csvPath, classes, files, decoder ?? new Images.ImageDecoder(), cancellationToken);
        return ownerIndex < 0 ? loaded : loaded with { Owners = [.. loaded.Files.Select(f => owners[f])] };
    }

    private static string[] DiscoverClasses(IEnumerable<string> labels)
    {
        var distinct = labels.Distinct(StringComparer.Ordinal).ToArray();
        var numbers = new long[distinct.Length];
        for (var i = 0; i < distinct.Length; i++)
        {
            if (!long.TryParse(distinct[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out numbers[i]))
            {
                Array.Sort(distinct, StringComparer.Ordinal);
                return distinct;
            }
        }
        Array.Sort(numbers, distinct);
        return distinct;
    }

    /// <summary>Fields of one CSV line; null when a quoted field is not closed.</summary>
    private static List<string>? SplitRow(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else field.Append(c);
        }
        if (quoted) return null;
        fields.Add(field.ToString());
        return fields;
    }
}
