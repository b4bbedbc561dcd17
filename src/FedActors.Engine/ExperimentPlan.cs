using FedActors.Core;

namespace FedActors.Engine;

/// <summary>One phase of an experiment: its rounds and the settings every client's fit receives.</summary>
/// <param name="Phase">One of <see cref="Phases"/> (the engine passes it through without interpreting it).</param>
/// <param name="Rounds">Number of rounds; 0 skips the phase.</param>
/// <param name="FitConfig">
/// Per-round settings for the clients (epochs, learning rate...). The engine adds <c>round</c> and
/// <c>total-rounds</c>.
/// </param>
/// <param name="EvaluateEvery">
/// Which rounds end with every client evaluating the new global weights: every <c>n</c>-th round and the phase's last
/// one; 1 = every round, 0 = none.
/// </param>
public sealed record PhasePlan(string Phase, int Rounds, IReadOnlyDictionary<string, string> FitConfig, int EvaluateEvery)
{
    /// <summary>A phase that evaluates every round (<paramref name="evaluateEachRound"/>) or never.</summary>
    public PhasePlan(string phase, int rounds, IReadOnlyDictionary<string, string> fitConfig, bool evaluateEachRound)
        : this(phase, rounds, fitConfig, evaluateEachRound ? 1 : 0)
    {
    }

    /// <summary>
    /// Applied to the global weights once, when the phase's first round starts (not when a run resumes inside the phase,
    /// whose checkpoint holds its result): e.g. to give every task a copy of the shared backbone to fine-tune. A pure
    /// function of the weights; null = nothing.
    /// </summary>
    public Func<ModelWeights, ModelWeights>? OnStart { get; init; }

    /// <summary>Whether round <paramref name="round"/> (1-based) ends with an evaluation.</summary>
    public bool Evaluates(int round) => EvaluateEvery > 0 && (round % EvaluateEvery == 0 || round == Rounds);
}

/// <summary>What one experiment arm runs: its phases in order, starting from <paramref name="Initial"/>.</summary>
public sealed record ExperimentPlan(string Arm, IReadOnlyList<PhasePlan> Phases, ModelWeights Initial)
{
    /// <summary>
    /// The run seed (<c>fedactors.seed</c>). Client sampling and simulated faults derive every draw from it
    /// with <see cref="Seeds.Derive"/>, so a run with faults is reproducible. Arms of one run share it, so
    /// they meet the same samples and faults.
    /// </summary>
    public long Seed { get; init; }

    /// <summary>
    /// Where a resumed experiment starts: the index of the phase in progress and how many of its rounds
    /// are done. <see cref="Initial"/> must then be the global weights after the last finished round.
    /// Round numbers (and so every seeded draw) continue as in an uninterrupted run.
    /// </summary>
    public int StartPhase { get; init; }

    /// <inheritdoc cref="StartPhase"/>
    public int StartAfterRound { get; init; }

    /// <summary>
    /// The simulated clock (devices, deadline, time so far), or null for none. With one, every round report carries
    /// its simulated time, availability traces see it, and the deadline leaves slow participants out.
    /// </summary>
    public SimulatedClock? Clock { get; init; }
}
