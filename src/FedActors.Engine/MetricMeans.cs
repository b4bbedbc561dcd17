namespace FedActors.Engine;

/// <summary>Sample-weighted means of per-client metrics.</summary>
public static class MetricMeans
{
    /// <summary>
    /// For every metric any item reports, the mean over the items that report it, weighted by their sample
    /// counts (items with none are skipped). Items are summed in the given order (order fixes the rounding);
    /// keys come back in ordinal order.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Weighted(
        IEnumerable<(long Examples, IReadOnlyDictionary<string, double> Metrics)> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var sums = new SortedDictionary<string, (double Sum, double Weight)>(StringComparer.Ordinal);
        foreach (var (examples, metrics) in items)
        {
            if (examples <= 0) continue;
            foreach (var (name, value) in metrics)
            {
                sums.TryGetValue(name, out var s);
                sums[name] = (s.Sum + value * examples, s.Weight + examples);
            }
        }
        var means = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, (sum, weight)) in sums) means[name] = sum / weight;
        return means;
    }
}
