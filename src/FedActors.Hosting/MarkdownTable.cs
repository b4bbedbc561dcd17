using System.Text;

namespace FedActors.Hosting;

/// <summary>A Markdown table with padded columns (labels left-aligned, numbers right-aligned), so it reads as plain text too.</summary>
internal static class MarkdownTable
{
    /// <param name="labelColumns">How many leading columns hold labels rather than numbers.</param>
    public static string Render(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, int labelColumns = 1)
    {
        var body = rows.ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, body.Count == 0 ? 0 : body.Max(r => r[i].Length))).ToList();
        var sb = new StringBuilder();
        void Line(IReadOnlyList<string> cells) =>
            sb.Append("| ").Append(string.Join(" | ", cells.Select((c, i) => i < labelColumns ? c.PadRight(widths[i]) : c.PadLeft(widths[i])))).Append(" |\n");
        Line(header);
        sb.Append('|').Append(string.Join('|', widths.Select((w, i) => i < labelColumns ? new string('-', w + 2) : new string('-', w + 1) + ":"))).Append("|\n");
        foreach (var row in body) Line(row);
        return sb.ToString();
    }
}
