namespace FedActors.Core.Strategies;

/// <summary>
/// FedAvg (McMahan et al., 2017): each tensor becomes the sample-weighted mean of the clients that sent
/// it. Since heads are named per task, a head is averaged only among clients of its task.
/// </summary>
public class FedAvg : IStrategy
{
    public virtual string Name => "fedavg";

    public virtual ModelWeights AggregateFit(
        int round,
        string phase,
        ModelWeights current,
        IReadOnlyList<FitRes> results,
        IReadOnlyList<ClientFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0) return current;
        var accumulator = new FedAvgAccumulator();
        foreach (var result in results.OrderBy(r => r.ClientId, StringComparer.Ordinal))
            accumulator.Add(result.Weights, result.NumExamples);
        return accumulator.Result(current);
    }

    /// <summary>Sample-weighted mean of every metric the clients reported.</summary>
    public virtual IReadOnlyDictionary<string, double> AggregateEvaluate(
        int round,
        IReadOnlyList<EvaluateRes> results,
        IReadOnlyList<ClientFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(results);
        var sums = new SortedDictionary<string, (double Sum, double Weight)>(StringComparer.Ordinal);
        foreach (var result in results.OrderBy(r => r.ClientId, StringComparer.Ordinal))
        {
            foreach (var (metric, value) in result.Metrics)
            {
                sums.TryGetValue(metric, out var s);
                sums[metric] = (s.Sum + value * result.NumExamples, s.Weight + result.NumExamples);
            }
        }
        return sums.Where(kv => kv.Value.Weight > 0).ToDictionary(kv => kv.Key, kv => kv.Value.Sum / kv.Value.Weight);
    }
}
