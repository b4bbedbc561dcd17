using FedActors.Core;

namespace FedActors.Engine;

/// <summary>
/// Protocol of <see cref="RoundActor"/>. Reports carry the round id and list results and failures in ordinal
/// order of client id. <c>Stale</c> and <c>Duplicates</c> count the replies the round ignored since it began.
/// </summary>
public static class Round
{
    /// <summary>The fit stage ended: every participant replied, failed, terminated, or the deadline passed.</summary>
    public sealed record FitsCollected(
        long RoundId,
        IReadOnlyList<FitRes> Fits,
        IReadOnlyList<ClientFailure> Failures,
        int Stale,
        int Duplicates);

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
