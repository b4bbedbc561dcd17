namespace FedActors.Core.Strategies;

/// <summary>
/// Base of the strategies that need every update of a round at once (coordinate-wise median and trimmed mean, Krum,
/// Bulyan): they implement only <see cref="IStrategy"/>, so the engine keeps the round's results and hands them over
/// together; the server then holds O(updates x model). Evaluation is FedAvg's (<see cref="FedAvg.WeightedMetrics"/>).
/// <para>
/// Which updates count for a tensor: those that carry it (<see cref="TensorCarriers"/>): shared parts over every
/// update, a task's head over its task's clients. Tensors no update carries keep their current value. Results are
/// taken in client-id order whatever order they come in.
/// </para>
/// </summary>
public abstract class BufferedStrategy : IDescribedStrategy
{
    private static readonly IReadOnlyDictionary<string, double> NoMetrics = new Dictionary<string, double>();

    public abstract string Name { get; }

    public abstract string Description { get; }

    /// <summary>True: every update of the round is held until it ends.</summary>
    public bool BuffersUpdates => true;

    public IReadOnlyDictionary<string, double> LastFitMetrics { get; protected set; } = NoMetrics;

    /// <summary>Threads an aggregation may use; null: one per core.</summary>
    public int? MaxThreads { get; init; }

    public ModelWeights AggregateFit(
        int round,
        string phase,
        ModelWeights current,
        IReadOnlyList<FitRes> results,
        IReadOnlyList<ClientFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(results);
        LastFitMetrics = NoMetrics;
        Reset();
        if (results.Count == 0) return current;
        return Aggregate(current, [.. results.OrderBy(r => r.ClientId, StringComparer.Ordinal)]);
    }

    /// <summary>Forgets what the last aggregation reported, at the start of every aggregation.</summary>
    protected virtual void Reset()
    {
    }

    /// <summary>The next global weights from at least one result, in client-id order.</summary>
    protected abstract ModelWeights Aggregate(ModelWeights current, IReadOnlyList<FitRes> results);

    public IReadOnlyDictionary<string, double> AggregateEvaluate(
        int round,
        IReadOnlyList<EvaluateRes> results,
        IReadOnlyList<ClientFailure> failures) => FedAvg.WeightedMetrics(results);
}
