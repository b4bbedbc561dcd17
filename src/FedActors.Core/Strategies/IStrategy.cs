namespace FedActors.Core.Strategies;

/// <summary>
/// The server's decisions, Flower-style: the engine owns the loop, the strategy turns a round's results
/// (and failures) into the next global weights and a round's evaluations into summary metrics.
/// Results arrive ordered by client id.
/// </summary>
public interface IStrategy
{
    string Name { get; }

    ModelWeights AggregateFit(
        int round,
        string phase,
        ModelWeights current,
        IReadOnlyList<FitRes> results,
        IReadOnlyList<ClientFailure> failures);

    IReadOnlyDictionary<string, double> AggregateEvaluate(
        int round,
        IReadOnlyList<EvaluateRes> results,
        IReadOnlyList<ClientFailure> failures);
}
