using System.Collections.Frozen;
using Akka.Actor;
using FedActors.Core;
using FedActors.Core.Strategies;
using FedActors.Engine;

namespace FedActors.Testing;

/// <summary>
/// A set of <see cref="FakeClient"/>s and the fault plan their scripts make (unavailable, drop, delay, crash).
/// <see cref="RunAsync"/> runs an experiment on them through the real engine (<see cref="Experiment.RunAsync(ActorSystem, ExperimentPlan, IReadOnlyList{IFederatedClient}, IStrategy, EngineSettings, IFaultPlan, Action{RoundReport}?, CancellationToken)"/>),
/// on virtual time when the actor system has a <see cref="Akka.TestKit.TestScheduler"/>.
/// </summary>
public sealed class FakeFederation : IFaultPlan
{
    private readonly FrozenDictionary<string, FakeClient> _byId;
    private IFaultPlan? _also;
    private long _events;

    public FakeFederation(params FakeClient[] clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        if (clients.Length == 0) throw new ArgumentException("a federation needs at least one client", nameof(clients));
        Clients = clients;
        _byId = clients.ToFrozenDictionary(c => c.Id, StringComparer.Ordinal);
    }

    public IReadOnlyList<FakeClient> Clients { get; }

    public FakeClient this[string id] => _byId[id];

    /// <summary>Grows whenever a client works, the engine consults the fault plan, or a round is reported.</summary>
    public long Activity => Interlocked.Read(ref _events) + Clients.Sum(c => c.Activity);

    public bool MayDrop => Clients.Any(c => c.EverDrops) || _also?.MayDrop == true;

    /// <summary>
    /// Also injects <paramref name="faults"/> (e.g. seeded <see cref="FaultSettings"/>) wherever the scripts say
    /// <see cref="FakeAct.Reply"/>; a scripted act wins over it.
    /// </summary>
    public FakeFederation With(IFaultPlan faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        _also = faults;
        return this;
    }

    public bool IsAvailable(FaultContext at)
    {
        ArgumentNullException.ThrowIfNull(at);
        Interlocked.Increment(ref _events);
        var act = ActOf(at);
        if (act is null || act.Kind == FakeActKind.Reply) return _also?.IsAvailable(at) ?? true;
        return act.Kind != FakeActKind.Unavailable;
    }

    /// <summary>The attack of the plan given to <see cref="With"/>, if any (scripts have no attacks of their own).</summary>
    public UpdateAttack? AttackOn(FaultContext at)
    {
        ArgumentNullException.ThrowIfNull(at);
        return _also?.AttackOn(at);
    }

    public ClientFault OnFit(FaultContext at)
    {
        ArgumentNullException.ThrowIfNull(at);
        Interlocked.Increment(ref _events);
        if (_byId.TryGetValue(at.ClientId, out var client)) client.NoteAttempt(at.Round, at.Attempt);
        return ActOf(at)?.Kind switch
        {
            FakeActKind.Drop => ClientFault.Drop,
            FakeActKind.Crash => ClientFault.Crash,
            FakeActKind.Delay => ClientFault.Delay(ActOf(at)!.Delay),
            null or FakeActKind.Reply => _also?.OnFit(at) ?? ClientFault.None,
            _ => ClientFault.None,
        };
    }

    /// <summary>
    /// Runs <paramref name="plan"/> on these clients with FedAvg (or <paramref name="strategy"/>) and this
    /// federation's faults. On a virtual-time system, time moves on by <paramref name="step"/> (default: an
    /// eighth of the round timeout, or one second) whenever nothing else can happen.
    /// <para>
    /// Unlike the engine's result, whose <see cref="ExperimentResult.Rounds"/> drop the weights, the result's rounds
    /// are the complete reports <paramref name="onRound"/> gets, globals included, so that
    /// <see cref="RoundOutcome.Global"/> can check any round. Fake models are a few floats; this keeps one per round.
    /// </para>
    /// </summary>
    public async Task<ExperimentResult> RunAsync(
        ActorSystem system,
        ExperimentPlan plan,
        EngineSettings settings,
        IStrategy? strategy = null,
        Action<RoundReport>? onRound = null,
        TimeSpan? step = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(settings);
        var reports = new List<RoundReport>();
        void Report(RoundReport report)
        {
            lock (reports) reports.Add(report);
            Interlocked.Increment(ref _events);
            onRound?.Invoke(report);
        }
        var run = Experiment.RunAsync(system, plan, Clients, strategy ?? new FedAvg(), settings, this, Report, ct);
        var every = step ?? (settings.RoundTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.FromSeconds(1) : settings.RoundTimeout / 8);
        var result = VirtualClock.IsVirtual(system)
            ? await new VirtualClock(system).RunAsync(run, every, () => Activity, computing: () => Clients.Any(c => c.Computing)).ConfigureAwait(false)
            : await run.ConfigureAwait(false);
        lock (reports) return result with { Rounds = [.. reports] };
    }

    private FakeAct? ActOf(FaultContext at) =>
        _byId.TryGetValue(at.ClientId, out var client) ? client.ActIn(at.Round, at.Attempt) : null;
}
