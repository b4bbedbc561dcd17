using FedActors.Core;

namespace FedActors.Engine;

/// <summary>
/// Protocol of <see cref="RoundActor"/>. Reports carry the round id and list results and failures in ordinal
/// order of client id. <c>Stale</c> and <c>Duplicates</c> count the replies the round ignored since it began.
/// </summary>
public static class Round
{
    /// <summary>
    /// The fit stage ended: every participant replied, failed, terminated, or the deadline passed. A round that
    /// streams (<see cref="FitReceived"/>) lists its results here with <see cref="ModelWeights.Empty"/> weights: it
    /// keeps no update once it has passed it on.
    /// </summary>
    public sealed record FitsCollected(
        long RoundId,
        IReadOnlyList<FitRes> Fits,
        IReadOnlyList<ClientFailure> Failures,
        int Stale,
        int Duplicates);

    /// <summary>
    /// From a round that streams its fits: a participant's reply, sent the moment it is accepted (before
    /// <see cref="FitsCollected"/>, whose <c>Fits</c> then list the same results without their weights).
    /// </summary>
    public sealed record FitReceived(long RoundId, FitRes Result);

    /// <summary>From a round that streams its fits: a participant that will not reply (its failure follows in <see cref="FitsCollected"/>).</summary>
    public sealed record FitFailed(long RoundId, string ClientId);

    /// <summary>To a round that evaluates: ask every live participant to evaluate <c>Instructions.Global</c>.</summary>
    public sealed record Evaluate(long RoundId, EvaluateIns Instructions);

    /// <summary>The evaluate stage ended; the round stops after sending this.</summary>
    public sealed record EvaluationsCollected(
        long RoundId,
        IReadOnlyList<EvaluateRes> Evaluations,
        IReadOnlyList<ClientFailure> Failures,
        int Stale,
        int Duplicates);
}
