using FedActors.Core;
using FedActors.Engine;

namespace FedActors.Testing;

/// <summary>Tiny weight snapshots and experiment plans for protocol tests.</summary>
public static class FakeModel
{
    /// <summary>One-dimensional tensors, in the order given.</summary>
    public static ModelWeights Weights(params (string Name, float[] Values)[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return new ModelWeights(tensors.Select(t => new NamedTensor(t.Name, [t.Values.Length], t.Values)));
    }

    /// <summary>
    /// An arm running <paramref name="rounds"/> rounds of one phase from <paramref name="initial"/> (default: one
    /// tensor <c>w</c> = [0, 0]), with run seed <paramref name="seed"/>.
    /// </summary>
    public static ExperimentPlan Plan(
        int rounds, ModelWeights? initial = null, bool evaluate = false, string phase = Phases.SimClr, long seed = 1, string arm = "test") =>
        new(arm, [new PhasePlan(phase, rounds, new Dictionary<string, string>(), evaluate)], initial ?? Weights(("w", [0f, 0f])))
        {
            Seed = seed,
        };
}
