using FedActors.Core;

namespace FedActors.Engine;

/// <summary>One phase of an experiment: its rounds and the settings every client's fit receives.</summary>
/// <param name="Phase">One of <see cref="Phases"/> (the engine passes it through without interpreting it).</param>
/// <param name="Rounds">Number of rounds; 0 skips the phase.</param>
/// <param name="FitConfig">
/// Per-round settings for the clients (epochs, learning rate...). The engine adds <c>round</c> and
/// <c>total-rounds</c>.
/// </param>
/// <param name="EvaluateEachRound">Whether each round ends with every client evaluating the new global weights.</param>
public sealed record PhasePlan(string Phase, int Rounds, IReadOnlyDictionary<string, string> FitConfig, bool EvaluateEachRound);

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
}
