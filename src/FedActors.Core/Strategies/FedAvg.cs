namespace FedActors.Core.Strategies;

/// <summary>
/// FedAvg (McMahan et al., 2017): each tensor becomes the sample-weighted mean of the clients that sent
/// it. Since heads are named per task, a head is averaged only among clients of its task. Streams: the
/// engine folds each result into a <see cref="FedAvgAccumulator"/> as it arrives.
/// </summary>
public class FedAvg : IStreamingStrategy
{
    public virtual string Name => "fedavg";

    /// <summary>Results an aggregation keeps (by reference) before folding them in together; see <see cref="FedAvgAccumulator"/>.</summary>
    public int FoldWidth { get; init; } = 8;

    public virtual IFitAggregation BeginFit(int round, string phase, ModelWeights current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return new RoundAggregation(current, new FedAvgAccumulator(FoldWidth));
    }

    public virtual ModelWeights AggregateFit(
        int round,
        string phase,
        ModelWeights current,
        IReadOnlyList<FitRes> results,
        IReadOnlyList<ClientFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0) return current;
        var aggregation = BeginFit(round, phase, current);
        foreach (var result in results.OrderBy(r => r.ClientId, StringComparer.Ordinal)) aggregation.Add(result);
        return aggregation.Result(failures);
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

    private sealed class RoundAggregation(ModelWeights current, FedAvgAccumulator accumulator) : IFitAggregation
    {
        public void Add(FitRes result)
        {
            ArgumentNullException.ThrowIfNull(result);
            accumulator.Add(result.Weights, result.NumExamples);
        }

        // No result at all keeps the current weights (the accumulator would too: it lays nothing over them).
        public ModelWeights Result(IReadOnlyList<ClientFailure> failures) =>
            accumulator.Updates == 0 ? current : accumulator.Result(current);
    }
}
