namespace FedActors.Core.Strategies;

/// <summary>
/// FedAvg (McMahan et al., 2017): each tensor becomes the sample-weighted mean of the clients that sent
/// it. Since heads are named per task, a head is averaged only among clients of its task. Streams: the
/// engine folds each result into a <see cref="FedAvgAccumulator"/> as it arrives.
/// <para>
/// Parameters (<see cref="StrategyFactory"/> name <c>fedavg</c>): <c>weighted</c> = 1 (default: weight each update by
/// its sample count, as McMahan et al. and Flower) or 0 (every update counts the same: the plain mean, for clients
/// whose sample counts should not matter or cannot be trusted). There is no separate <c>fedavg-unweighted</c> name.
/// </para>
/// </summary>
public class FedAvg : IStreamingStrategy, IDescribedStrategy
{
    private static readonly IReadOnlyDictionary<string, double> NoMetrics = new Dictionary<string, double>();

    /// <summary>The parameters of <c>fedavg</c>, for <see cref="StrategyFactory"/>.</summary>
    public static IReadOnlyList<StrategyParameter> Parameters { get; } =
    [
        new("weighted", 1, "1: weight each update by its sample count; 0: every update counts the same") { Minimum = 0, Maximum = 1, Integer = true },
    ];

    public virtual string Name => "fedavg";

    /// <summary>Results an aggregation keeps (by reference) before folding them in together; see <see cref="FedAvgAccumulator"/>.</summary>
    public int FoldWidth { get; init; } = 8;

    /// <summary>True (default): updates weigh their sample counts; false: every update weighs 1.</summary>
    public bool Weighted { get; init; } = true;

    public virtual string Description =>
        Weighted
            ? "FedAvg (McMahan et al. 2017): per tensor, the sample-weighted mean of the updates that carry it"
            : "FedAvg, unweighted: per tensor, the plain mean of the updates that carry it";

    /// <summary>False: FedAvg folds each update in as it arrives.</summary>
    public virtual bool BuffersUpdates => false;

    public virtual IReadOnlyDictionary<string, double> LastFitMetrics => NoMetrics;

    /// <summary>The config unchanged; FedProx adds its proximal term's weight.</summary>
    public virtual IReadOnlyDictionary<string, string> ConfigureFit(int round, string phase, IReadOnlyDictionary<string, string> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config;
    }

    public virtual IFitAggregation BeginFit(int round, string phase, ModelWeights current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return new RoundAggregation(current, new FedAvgAccumulator(FoldWidth), Weighted);
    }

    /// <summary>The FedAvg weight of <paramref name="result"/>: its sample count, or 1 when unweighted.</summary>
    protected long WeightOf(FitRes result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Weighted ? result.NumExamples : 1;
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
        IReadOnlyList<ClientFailure> failures) => WeightedMetrics(results);

    /// <summary>
    /// Per metric, the mean over the clients that reported it weighted by their sample counts, summed in client-id
    /// order (Flower's <c>weighted_loss_avg</c>, for every metric). Every strategy evaluates this way.
    /// </summary>
    public static IReadOnlyDictionary<string, double> WeightedMetrics(IReadOnlyList<EvaluateRes> results)
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

    private sealed class RoundAggregation(ModelWeights current, FedAvgAccumulator accumulator, bool weighted) : IFitAggregation
    {
        public void Add(FitRes result)
        {
            ArgumentNullException.ThrowIfNull(result);
            accumulator.Add(result.Weights, weighted ? result.NumExamples : 1);
        }

        // No result at all keeps the current weights (the accumulator would too: it lays nothing over them).
        public ModelWeights Result(IReadOnlyList<ClientFailure> failures) =>
            accumulator.Updates == 0 ? current : accumulator.Result(current);
    }
}
