using FedActors.Core;

namespace FedActors.Engine;

/// <summary>
/// One completed round, as the coordinator recorded it. Lists are ordered by client id (ordinal).
/// </summary>
/// <param name="Round">1-based within the phase.</param>
/// <param name="Global">The global weights after this round's aggregation.</param>
/// <param name="Fits">The fit results aggregated into <paramref name="Global"/>.</param>
/// <param name="Evaluations">Evaluations of <paramref name="Global"/>; empty unless the phase evaluates each round.</param>
/// <param name="Failures">
/// Failures of the accepted attempt: fit failures first, then evaluate failures (reason prefixed <c>evaluate: </c>).
/// </param>
/// <param name="FitMetrics">Sample-weighted mean of the metrics the clients reported with their fits.</param>
/// <param name="EvaluateMetrics">The strategy's aggregate of <paramref name="Evaluations"/>.</param>
/// <param name="Elapsed">Wall time of the round, every attempt included. Not deterministic: keep it out of metrics.csv.</param>
/// <param name="Attempts">1, or more when the round was retried.</param>
/// <param name="StaleReplies">Replies ignored because they belonged to another round or stage, or came after the deadline.</param>
/// <param name="DuplicateReplies">Replies ignored because the client had already answered.</param>
public sealed record RoundReport(
    string Arm,
    string Phase,
    int Round,
    int TotalRounds,
    ModelWeights Global,
    IReadOnlyList<FitRes> Fits,
    IReadOnlyList<EvaluateRes> Evaluations,
    IReadOnlyList<ClientFailure> Failures,
    IReadOnlyDictionary<string, double> FitMetrics,
    IReadOnlyDictionary<string, double> EvaluateMetrics,
    TimeSpan Elapsed,
    int Attempts,
    int StaleReplies,
    int DuplicateReplies);

/// <summary>The outcome of one experiment arm: the final global weights and every round, in order.</summary>
public sealed record ExperimentResult(string Arm, ModelWeights Final, IReadOnlyList<RoundReport> Rounds);
