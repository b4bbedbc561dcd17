namespace FedActors.Core.Strategies;

/// <summary>
/// The server's decisions, Flower-style: the engine owns the loop, the strategy turns a round's results
/// (and failures) into the next global weights and a round's evaluations into summary metrics.
/// Results arrive ordered by client id.
/// </summary>
public interface IStrategy
{
    string Name { get; }

    /// <summary>
    /// The config every client's fit instructions carry this round (Flower's <c>configure_fit</c>): the engine passes
    /// what the phase configures, the strategy may add to it (FedProx adds <c>proximal-mu</c>). Never mutates
    /// <paramref name="config"/>. By default it is returned as it is.
    /// </summary>
    IReadOnlyDictionary<string, string> ConfigureFit(int round, string phase, IReadOnlyDictionary<string, string> config) => config;

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
