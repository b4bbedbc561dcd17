using System.Globalization;
using System.Text;
using FedActors.Core;

namespace FedActors.Hosting.Reporting;

/// <summary>
/// Reads <c>metrics.csv</c> back into <see cref="MetricRecord"/>s: the header line, then RFC 4180 records
/// as <see cref="MetricRecord.ToCsv"/> writes them (a field holding a comma, quote or line break is quoted,
/// quotes doubled, so one record may span several lines). A bad record is reported with the file and the
/// line it starts on.
/// </summary>
internal static class MetricsCsvReader
{
    private const int FieldCount = 7;

    public static IReadOnlyList<MetricRecord> Read(string path)
    {
        var text = File.ReadAllText(path, Encoding.UTF8);
        var records = Records(text, path).GetEnumerator();
        if (!records.MoveNext()) throw Bad(path, 1, $"empty file; expected the header '{MetricRecord.CsvHeader}'");
        var (headerLine, header) = records.Current;
        if (string.Join(',', header) != MetricRecord.CsvHeader)
            throw Bad(path, headerLine, $"expected the header '{MetricRecord.CsvHeader}', found '{string.Join(',', header)}'");

        var rows = new List<MetricRecord>();
        while (records.MoveNext())
        {
            var (line, fields) = records.Current;
            rows.Add(Row(path, line, fields));
        }
        return rows;
    }

    private static MetricRecord Row(string path, int line, IReadOnlyList<string> fields)
    {
        if (fields.Count != FieldCount)
            throw Bad(path, line, $"expected {FieldCount} fields ({MetricRecord.CsvHeader}), found {fields.Count}");
        if (!int.TryParse(fields[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var round))
            throw Bad(path, line, $"round '{fields[0]}' is not an integer");
        if (!double.TryParse(fields[6], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            throw Bad(path, line, $"value '{fields[6]}' is not a number");
        return new MetricRecord(round, fields[1], fields[2], fields[3], fields[4], fields[5], value);
    }

    /// <summary>Each non-blank record with the line it starts on.</summary>
    private static IEnumerable<(int Line, List<string> Fields)> Records(string text, string path)
    {
        var pos = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        var line = 1;
        while (pos < text.Length)
        {
            var start = line;
            var fields = new List<string>();
            var field = new StringBuilder();
            var atRecordEnd = false;
            while (!atRecordEnd)
            {
                field.Clear();
                if (pos < text.Length && text[pos] == '"')
                {
                    pos++;
                    while (true)
                    {
                        if (pos >= text.Length) throw Bad(path, start, "a quoted field is never closed");
                        var c = text[pos++];
                        if (c == '"')
                        {
                            if (pos < text.Length && text[pos] == '"')
                            {
                                field.Append('"');
                                pos++;
                                continue;
                            }
                            break;
                        }
                        if (c == '\n') line++;
                        field.Append(c);
                    }
                    if (pos < text.Length && text[pos] is not (',' or '\r' or '\n'))
                        throw Bad(path, line, "text after a closing quote");
                }
                else
                {
                    while (pos < text.Length && text[pos] is not (',' or '\r' or '\n'))
                    {
                        if (text[pos] == '"') throw Bad(path, line, "a quote inside an unquoted field");
                        field.Append(text[pos++]);
                    }
                }
                fields.Add(field.ToString());

                if (pos < text.Length && text[pos] == ',')
                {
                    pos++;
                    continue;
                }
                atRecordEnd = true;
                if (pos < text.Length && text[pos] == '\r') pos++;
                if (pos < text.Length && text[pos] == '\n') pos++;
                line++;
            }
            var blank = fields.Count == 1 && fields[0].Length == 0;
            if (!blank) yield return (start, fields);
        }
    }

    private static FormatException Bad(string path, int line, string problem) =>
        new($"{path}: line {line}: {problem}");
}
