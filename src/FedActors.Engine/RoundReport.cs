using FedActors.Core;

namespace FedActors.Engine;

/// <summary>
/// One completed round, as the coordinator recorded it. Lists are ordered by client id (ordinal).
/// <para>
/// The report passed to the onRound callback of <see cref="Experiment"/>.RunAsync is complete. The copy kept in <see cref="ExperimentResult.Rounds"/> is not: its <see cref="Global"/> is
/// <see cref="ModelWeights.Empty"/> and its <see cref="Fits"/> carry no weights, so that a run's memory does not
/// grow with its rounds. Take a round's global from the callback (as the checkpoint does) or, for the last
/// round, from <see cref="ExperimentResult.Final"/>.
/// </para>
/// </summary>
/// <param name="Round">1-based within the phase.</param>
/// <param name="Global">
/// The global weights after this round's aggregation; <see cref="ModelWeights.Empty"/> in
/// <see cref="ExperimentResult.Rounds"/>.
/// </param>
/// <param name="Fits">
/// The fit results aggregated into <paramref name="Global"/>. Their weights are empty when the strategy streams
/// (<see cref="Core.Strategies.IStreamingStrategy"/>), and always in <see cref="ExperimentResult.Rounds"/>.
/// </param>
/// <param name="Evaluations">Evaluations of <paramref name="Global"/>; empty unless the phase evaluates each round.</param>
/// <param name="Failures">
/// Failures of the accepted attempt: fit failures first, then evaluate failures (reason prefixed <c>evaluate: </c>).
/// Reasons start with a <see cref="FailureReasons"/> prefix (<c>rejected: </c>, <c>dropped: </c>, <c>crashed: </c>,
/// <c>no reply within </c>...) unless the client's work threw.
/// </param>
/// <param name="FitMetrics">Sample-weighted mean of the metrics the clients reported with their fits.</param>
/// <param name="EvaluateMetrics">The strategy's aggregate of <paramref name="Evaluations"/>.</param>
/// <param name="Elapsed">Wall time of the round, every attempt included. Not deterministic: keep it out of metrics.csv.</param>
/// <param name="Attempts">1, or more when the round was retried.</param>
/// <param name="StaleReplies">
/// Replies ignored because they belonged to another round or stage, came after the deadline, or reached an
/// earlier round after it had ended (counted in the round in progress when they arrive); summed over attempts.
/// </param>
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
    int DuplicateReplies)
{
    /// <summary>The clients sampled to fit in the accepted attempt, in ordinal order.</summary>
    public IReadOnlyList<string> Participants { get; init; } = [];

    /// <summary>The participants of the accepted attempt that were Byzantine (simulated), in ordinal order.</summary>
    public IReadOnlyList<string> Attackers { get; init; } = [];

    /// <summary>
    /// What went wrong, counted over every attempt of the round (<see cref="Failures"/> lists only the accepted
    /// one). <see cref="RoundCounts.Late"/> depends on timing; the other counts are fixed by the seed.
    /// </summary>
    public RoundCounts Counts { get; init; } = RoundCounts.Zero;

    /// <summary>
    /// Simulated seconds since the experiment started (its plan's <see cref="SimulatedClock.StartSeconds"/> included)
    /// at the end of this round; null without a <see cref="ExperimentPlan.Clock"/>.
    /// </summary>
    public double? SimulatedSeconds { get; init; }
}

/// <summary>Per-kind tallies of a round's troubles, summed over its attempts.</summary>
/// <param name="Unavailable">Clients that could not be sampled (simulated availability).</param>
/// <param name="Dropped">Participants that dropped out (simulated): took the request, never answered.</param>
/// <param name="Late">Participants that missed the fit deadline for any other reason.</param>
/// <param name="Rejected">Updates that arrived but failed validation; the global model never saw them.</param>
/// <param name="Restarts">Client actors that crashed and were restarted.</param>
/// <param name="Failed">Every fit failure, those above included.</param>
public sealed record RoundCounts(int Unavailable, int Dropped, int Late, int Rejected, int Restarts, int Failed)
{
    public static RoundCounts Zero { get; } = new(0, 0, 0, 0, 0, 0);

    public static RoundCounts operator +(RoundCounts a, RoundCounts b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Unavailable + b.Unavailable, a.Dropped + b.Dropped, a.Late + b.Late, a.Rejected + b.Rejected,
            a.Restarts + b.Restarts, a.Failed + b.Failed);
    }

    public static RoundCounts Add(RoundCounts a, RoundCounts b) => a + b;
}

/// <summary>The outcome of one experiment arm: the final global weights and every round, in order.</summary>
/// <param name="Arm">The arm's name.</param>
/// <param name="Final">The global weights after the last round (the plan's initial weights when no round ran).</param>
/// <param name="Rounds">
/// Every round's report, in order, without the weights: each one's <see cref="RoundReport.Global"/> is
/// <see cref="ModelWeights.Empty"/> and its <see cref="RoundReport.Fits"/> carry none, so the result holds one model
/// (<paramref name="Final"/>) however many rounds ran. The per-round globals reach the onRound callback only.
/// </param>
public sealed record ExperimentResult(string Arm, ModelWeights Final, IReadOnlyList<RoundReport> Rounds);
