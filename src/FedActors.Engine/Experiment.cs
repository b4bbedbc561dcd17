using Akka.Actor;
using FedActors.Core;
using FedActors.Core.Strategies;

namespace FedActors.Engine;

/// <summary>Entry point of the engine: runs one experiment arm on an actor system.</summary>
public static class Experiment
{
    /// <summary>
    /// Spawns a <see cref="CoordinatorActor"/> in <paramref name="system"/>, runs every phase's rounds in order
    /// and completes with the result. Faults with a <see cref="RoundFailedException"/> when a round fails per
    /// policy (or an <see cref="InvalidOperationException"/> when the strategy or <paramref name="onRound"/>
    /// throws); is cancelled, and the coordinator stopped, when <paramref name="ct"/> fires.
    /// Training runs on the system's shared <see cref="TrainerPool"/> of <see cref="EngineSettings.TrainerSlots"/>
    /// threads. <paramref name="onRound"/> is called on the coordinator's thread after each round: keep it short.
    /// </summary>
    public static Task<ExperimentResult> RunAsync(
        ActorSystem system,
        ExperimentPlan plan,
        IReadOnlyList<IFederatedClient> clients,
        IStrategy strategy,
        EngineSettings settings,
        Action<RoundReport>? onRound = null,
        CancellationToken ct = default) =>
        RunAsync(system, plan, clients, strategy, settings, FaultSettings.None, onRound, ct);

    /// <summary>
    /// As above, with simulated heterogeneity and faults: <paramref name="faults"/> is usually the
    /// <see cref="FaultSettings"/> read from <c>fedactors.faults</c> (<see cref="FaultSettings.None"/> for none),
    /// or a scripted plan in protocol tests. Its draws derive from <see cref="ExperimentPlan.Seed"/>.
    /// </summary>
    public static async Task<ExperimentResult> RunAsync(
        ActorSystem system,
        ExperimentPlan plan,
        IReadOnlyList<IFederatedClient> clients,
        IStrategy strategy,
        EngineSettings settings,
        IFaultPlan faults,
        Action<RoundReport>? onRound = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        Validate(plan, clients, strategy, settings, faults);
        ct.ThrowIfCancellationRequested();
        var pool = TrainerPool.For(system, settings.TrainerSlots);
        var coordinator = system.ActorOf(
            CoordinatorActor.Props(plan, clients, strategy, settings, pool, onRound, faults),
            $"experiment-{ActorNames.Escape(plan.Arm)}-{Guid.NewGuid():N}");
        await using var stopOnCancel = ct.Register(() => system.Stop(coordinator)).ConfigureAwait(false);
        return await coordinator.Ask<ExperimentResult>(Coordinator.Run.Instance, Timeout.InfiniteTimeSpan, ct)
            .ConfigureAwait(false);
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first thing that makes the experiment impossible to run.</summary>
    public static void Validate(
        ExperimentPlan plan, IReadOnlyList<IFederatedClient> clients, IStrategy strategy, EngineSettings settings) =>
        Validate(plan, clients, strategy, settings, FaultSettings.None);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first thing that makes the experiment impossible to run.</summary>
    public static void Validate(
        ExperimentPlan plan, IReadOnlyList<IFederatedClient> clients, IStrategy strategy, EngineSettings settings, IFaultPlan faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrEmpty(plan.Arm, nameof(plan));
        ArgumentNullException.ThrowIfNull(plan.Phases, nameof(plan));
        ArgumentNullException.ThrowIfNull(plan.Initial, nameof(plan));
        settings.Validate();
        foreach (var phase in plan.Phases)
        {
            if (phase is null || string.IsNullOrEmpty(phase.Phase) || phase.FitConfig is null || phase.Rounds < 0 || phase.EvaluateEvery < 0)
                throw new ArgumentException(
                    $"arm '{plan.Arm}': a phase needs a name, a fit config, 0 or more rounds and an evaluation interval of 0 or more", nameof(plan));
        }
        if (plan.StartPhase < 0 || plan.StartPhase > plan.Phases.Count
            || plan.StartAfterRound < 0 || (plan.StartPhase < plan.Phases.Count && plan.StartAfterRound > plan.Phases[plan.StartPhase].Rounds))
            throw new ArgumentException($"arm '{plan.Arm}': resume point phase {plan.StartPhase}, round {plan.StartAfterRound} is outside the plan", nameof(plan));
        if (clients.Count == 0) throw new ArgumentException("an experiment needs at least one client", nameof(clients));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var client in clients)
        {
            if (client is null || string.IsNullOrEmpty(client.Id))
                throw new ArgumentException("every client needs a non-empty id", nameof(clients));
            if (!ids.Add(client.Id)) throw new ArgumentException($"two clients share the id '{client.Id}'", nameof(clients));
        }
        if (settings.QuorumOf(clients.Count) > clients.Count)
            throw new ArgumentException(
                $"fedactors.engine.min-fit-results = {settings.MinFitResults} exceeds the {clients.Count} clients", nameof(settings));
        var sampled = settings.SampleSizeOf(clients.Count);
        if (settings.MinFitResults > sampled)
            throw new ArgumentException(
                $"fedactors.engine.min-fit-results = {settings.MinFitResults} exceeds the {sampled} clients sampled per round " +
                $"(sampling.fraction = {settings.SampleFraction.ToString(System.Globalization.CultureInfo.InvariantCulture)}, " +
                $"sampling.min-clients = {settings.MinSampledClients}, {clients.Count} clients)", nameof(settings));
        if (faults.MayDrop && settings.RoundTimeout == Timeout.InfiniteTimeSpan)
            throw new ArgumentException(
                "simulated drops need a deadline: a dropped client never answers, so with fedactors.engine.round-timeout = " +
                "infinite its round would wait forever", nameof(settings));
    }
}
