using FedActors.Core;
using FedActors.Data;
using FedActors.Engine;
using FedActors.Learning.Training;
using FedActors.Learning.Weights;

namespace FedActors.Hosting;

/// <summary>
/// One experiment an arm runs: its clients, its phases, and whether it starts from the weights the
/// arm's SimCLR stage produced (else from the initial weights every arm shares).
/// </summary>
public sealed record ArmStage(string Arm, IReadOnlyList<ClientData> Clients, IReadOnlyList<PhasePlan> Phases, bool FromSslStage)
{
    /// <summary>
    /// For a stage that trains one task's pooled data: the federation's clients of that task, on whose own evaluation
    /// splits the stage's result is scored at the end (so the centralized arm has per-client results too). Empty otherwise.
    /// </summary>
    public IReadOnlyList<ClientData> Members { get; init; } = [];
}

/// <summary>
/// Turns an arm into stages. Federated arms run the real clients through the engine; centralized arms
/// run pooled clients (one per task, or one over all unlabeled data for SimCLR) through the same engine,
/// where FedAvg over a single client is the identity, so every arm shares the same training code.
/// </summary>
public static class ArmPlanner
{
    public static IReadOnlyList<ArmStage> Plan(string arm, IReadOnlyList<ClientData> clients, RoundBudget rounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        var tasks = clients.Select(c => c.Task).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        List<ClientData> Of(string task) => [.. clients.Where(c => c.Task == task).OrderBy(c => c.ClientId, StringComparer.Ordinal)];
        var simclr = SimClr(rounds);
        var heads = Heads(rounds);
        var supervised = new PhasePlan(Phases.Supervised, rounds.Supervised, new Dictionary<string, string>(), EvaluateEvery: 1);
        return arm switch
        {
            Arms.FederatedSsl or Arms.Federated => [new ArmStage(arm, clients, FederatedPhases(arm, rounds), FromSslStage: false)],
            Arms.Centralized => tasks
                .Select(t => new ArmStage(arm, [FederationData.PoolTask(t, clients)], [supervised], FromSslStage: false) { Members = Of(t) })
                .ToList(),
            Arms.CentralizedSsl =>
            [
                new ArmStage(arm, [FederationData.PoolUnlabeled(clients)], [simclr], FromSslStage: false),
                .. tasks.Select(t => new ArmStage(arm, [FederationData.PoolTask(t, clients)], [heads], FromSslStage: true) { Members = Of(t) }),
            ],
            _ => throw new ArgumentException($"unknown arm '{arm}'"),
        };
    }

    /// <summary>
    /// The phases of a federated arm, which runs as one stage on every client: what a cluster coordinator runs over
    /// its remote clients. A centralized arm pools data in one place and has no such plan.
    /// </summary>
    public static IReadOnlyList<PhasePlan> FederatedPhases(string arm, RoundBudget rounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        return arm switch
        {
            Arms.FederatedSsl =>
            [
                SimClr(rounds),
                Heads(rounds),
            ],
            Arms.Federated => [new PhasePlan(Phases.Supervised, rounds.Supervised, new Dictionary<string, string>(), EvaluateEvery: 1)],
            _ => throw new ArgumentException($"arm '{arm}' is not federated"),
        };
    }

    /// <summary>The heads phase; with per-task backbones it first gives every task a copy of the shared backbone.</summary>
    private static PhasePlan Heads(RoundBudget rounds) =>
        new(Phases.Heads, rounds.Heads, new Dictionary<string, string>(), EvaluateEvery: 1)
        {
            OnStart = rounds.BackboneScope == BackboneScope.Task ? TaskBackbones.Add : null,
        };

    /// <summary>The SimCLR phase: its evaluations are the k-NN monitor, every <see cref="RoundBudget.KnnEvery"/> rounds.</summary>
    private static PhasePlan SimClr(RoundBudget rounds) =>
        new(Phases.SimClr, rounds.SimClr, new Dictionary<string, string>(), EvaluateEvery: rounds.KnnEvery);
}
