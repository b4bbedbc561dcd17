using System.Globalization;

namespace FedActors.Core;

/// <summary>One row of <c>metrics.csv</c>. Holds only values that are deterministic for a seed (no timings).</summary>
public sealed record MetricRecord(int Round, string Phase, string Arm, string Client, string Task, string Metric, double Value)
{
    public const string CsvHeader = "round,phase,arm,client,task,metric,value";

    public string ToCsv() => string.Join(
        ',',
        Round.ToString(CultureInfo.InvariantCulture),
        Csv(Phase),
        Csv(Arm),
        Csv(Client),
        Csv(Task),
        Csv(Metric),
        Value.ToString("R", CultureInfo.InvariantCulture));

    private static string Csv(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
