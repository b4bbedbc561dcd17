using FedActors.Core;

namespace FedActors.Engine;

/// <summary>The stage of a round a request or reply belongs to.</summary>
public enum RoundStage
{
    Fit,
    Evaluate,
}

/// <summary>
/// Protocol of <see cref="ClientActor"/>. Requests carry the id of the round that sent them; replies carry
/// it back, so a round recognises replies meant for another one.
/// </summary>
public static class Client
{
    /// <summary>Train from <c>Instructions.Global</c>; answered with <see cref="FitDone"/> or <see cref="Failed"/>.</summary>
    public sealed record Fit(long RoundId, FitIns Instructions);

    public sealed record FitDone(long RoundId, FitRes Result);

    /// <summary>Evaluate <c>Instructions.Global</c>; answered with <see cref="EvaluateDone"/> or <see cref="Failed"/>.</summary>
    public sealed record Evaluate(long RoundId, EvaluateIns Instructions);

    public sealed record EvaluateDone(long RoundId, EvaluateRes Result);

    /// <summary>The client's work for a request threw, was cancelled, or the client could not run it.</summary>
    public sealed record Failed(long RoundId, RoundStage Stage, string ClientId, string Reason);

    /// <summary>
    /// The round no longer wants results: requests of <paramref name="RoundId"/> still queued are dropped, and
    /// the running one, if it is of that round, sees its cancellation token fire and its outcome is not sent.
    /// Not answered.
    /// </summary>
    public sealed record Cancel(long RoundId);
}
