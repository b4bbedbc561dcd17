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
    /// <summary>
    /// Train from <c>Instructions.Global</c>; answered with <see cref="FitDone"/> or <see cref="Failed"/>, or not at
    /// all when a simulated fault drops it. <paramref name="Attempt"/> (1 unless the round is retried) keys the
    /// fault draws.
    /// </summary>
    public sealed record Fit(long RoundId, FitIns Instructions, int Attempt = 1);

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

    /// <summary>Asks for the client's <see cref="Counters"/>; kept across restarts.</summary>
    public sealed class GetCounters
    {
        public static GetCounters Instance { get; } = new();
        private GetCounters() { }
    }

    /// <summary>What a client actor has done since it was first started, across its restarts.</summary>
    /// <param name="Fits">Fit results sent.</param>
    /// <param name="Evaluations">Evaluation results sent.</param>
    /// <param name="Failures">Failures sent (the work threw or was refused; crashes included).</param>
    /// <param name="Dropped">Fit requests dropped by a simulated fault (never answered).</param>
    /// <param name="Held">Fit replies held back by simulated slowness (sent later, or withheld if cancelled meanwhile).</param>
    /// <param name="Cancelled">Results withheld because their round cancelled them (typically past its deadline).</param>
    /// <param name="Restarts">Times the actor crashed and was restarted.</param>
    public sealed record Counters(
        string ClientId, int Fits, int Evaluations, int Failures, int Dropped, int Held, int Cancelled, int Restarts);
}
