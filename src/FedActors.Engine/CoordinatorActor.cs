using System.Collections.Frozen;
using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Event;
using FedActors.Core;
using FedActors.Core.Strategies;

namespace FedActors.Engine;

/// <summary>
/// Runs one experiment arm: creates a <see cref="ClientActor"/> per client, then for every phase and round a
/// <see cref="RoundActor"/>; turns each round's fit results into the next global weights with the strategy
/// (results ordered by client id, so the outcome does not depend on scheduling), applies the round policy,
/// records a <see cref="RoundReport"/>, and finally answers <see cref="Coordinator.Run"/> with the
/// <see cref="ExperimentResult"/> or a failure, then stops.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor
{
    private readonly ExperimentPlan _plan;
    private readonly IReadOnlyList<IFederatedClient> _clientList;
    private readonly IStrategy _strategy;
    private readonly EngineSettings _settings;
    private readonly TrainerPool _pool;
    private readonly Action<RoundReport>? _onRound;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<RoundReport> _reports = [];

    private IReadOnlyDictionary<string, IActorRef> _clients = new Dictionary<string, IActorRef>();
    private IActorRef _requester = ActorRefs.Nobody;
    private ModelWeights _global;
    private int _phaseIndex;
    private int _round;
    private long _lastRoundId;
    private RoundInProgress? _current;

    public CoordinatorActor(
        ExperimentPlan plan, IReadOnlyList<IFederatedClient> clients, IStrategy strategy, EngineSettings settings,
        TrainerPool pool, Action<RoundReport>? onRound)
    {
        _plan = plan;
        _clientList = clients;
        _strategy = strategy;
        _settings = settings;
        _pool = pool;
        _onRound = onRound;
        _global = plan.Initial;
        Idle();
    }

    public static Props Props(
        ExperimentPlan plan, IReadOnlyList<IFederatedClient> clients, IStrategy strategy, EngineSettings settings,
        TrainerPool pool, Action<RoundReport>? onRound = null)
    {
        Experiment.Validate(plan, clients, strategy, settings);
        ArgumentNullException.ThrowIfNull(pool);
        return Akka.Actor.Props.Create(() => new CoordinatorActor(plan, clients, strategy, settings, pool, onRound));
    }

    // A child that throws is stopped, not restarted: a round then ends with that client failed (the round
    // watches it), and a round that dies fails the experiment instead of silently starting over.
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    private PhasePlan Phase => _plan.Phases[_phaseIndex];

    private void Idle()
    {
        Receive<Coordinator.Run>(_ => Start());
    }

    private void Running()
    {
        Receive<Round.FitsCollected>(fits => Guarded(() => OnFitsCollected(fits)));
        Receive<Round.EvaluationsCollected>(evaluations => Guarded(() => OnEvaluationsCollected(evaluations)));
        Receive<Terminated>(OnTerminated);
        Receive<Coordinator.Run>(_ => Sender.Tell(new Status.Failure(
            new InvalidOperationException($"experiment '{_plan.Arm}' is already running"))));
    }

    private void Start()
    {
        _requester = Sender;
        Become(Running);
        Guarded(() =>
        {
            // Shared read-only with every round actor.
            _clients = _clientList.ToFrozenDictionary(
                client => client.Id,
                client => Context.ActorOf(ClientActor.Props(client, _pool), ActorNames.Escape(client.Id)),
                StringComparer.Ordinal);
            _log.Info("experiment '{0}': {1} clients, {2} phases", _plan.Arm, _clients.Count, _plan.Phases.Count);
            NextRound();
        });
    }

    private void NextRound()
    {
        _round++;
        while (_phaseIndex < _plan.Phases.Count && _round > Phase.Rounds)
        {
            _phaseIndex++;
            _round = 1;
        }
        if (_phaseIndex == _plan.Phases.Count)
        {
            _log.Info("experiment '{0}': done after {1} rounds", _plan.Arm, _reports.Count);
            _requester.Tell(new ExperimentResult(_plan.Arm, _global, _reports.ToList()));
            Context.Stop(Self);
            return;
        }
        var config = new Dictionary<string, string>(Phase.FitConfig, StringComparer.Ordinal)
        {
            ["round"] = _round.ToString(CultureInfo.InvariantCulture),
            ["total-rounds"] = Phase.Rounds.ToString(CultureInfo.InvariantCulture),
        };
        _current = new RoundInProgress(new FitIns(_round, Phase.Phase, _global, config.ToFrozenDictionary(StringComparer.Ordinal)));
        StartAttempt();
    }

    private void StartAttempt()
    {
        var current = _current!;
        current.Attempts++;
        current.RoundId = ++_lastRoundId;
        current.Actor = Context.ActorOf(
            RoundActor.Props(current.RoundId, current.Fit, _clients, Self, _settings.RoundTimeout, Phase.EvaluateEachRound),
            $"round-{current.RoundId}");
        Context.Watch(current.Actor);
        _log.Info("experiment '{0}': phase {1} round {2}/{3} attempt {4} started",
            _plan.Arm, Phase.Phase, _round, Phase.Rounds, current.Attempts);
    }

    private void OnFitsCollected(Round.FitsCollected collected)
    {
        if (!IsCurrent(collected.RoundId)) return;
        var current = _current!;
        var required = _settings.QuorumOf(_clients.Count);
        if (collected.Fits.Count < required)
        {
            if (_settings.OnFailedRound != FailedRoundPolicy.AcceptPartial)
            {
                RoundFailed(collected, required);
                return;
            }
            _log.Warning("experiment '{0}': phase {1} round {2} got {3} of {4} fit results; accepting them",
                _plan.Arm, Phase.Phase, _round, collected.Fits.Count, required);
        }
        var fits = collected.Fits.OrderBy(f => f.ClientId, StringComparer.Ordinal).ToList();
        var failures = collected.Failures.OrderBy(f => f.ClientId, StringComparer.Ordinal).ToList();
        current.Fits = fits;
        current.FitFailures = failures;
        current.NewGlobal = _strategy.AggregateFit(_round, Phase.Phase, _global, fits, failures);
        if (Phase.EvaluateEachRound)
        {
            current.Actor.Tell(new Round.Evaluate(
                current.RoundId, new EvaluateIns(_round, Phase.Phase, current.NewGlobal, current.Fit.Config)));
            return;
        }
        EndAttempt(collected.Stale, collected.Duplicates);
        Complete([], [], new Dictionary<string, double>());
    }

    private void OnEvaluationsCollected(Round.EvaluationsCollected collected)
    {
        if (!IsCurrent(collected.RoundId)) return;
        EndAttempt(collected.Stale, collected.Duplicates);
        var evaluations = collected.Evaluations.OrderBy(e => e.ClientId, StringComparer.Ordinal).ToList();
        var failures = collected.Failures.OrderBy(f => f.ClientId, StringComparer.Ordinal).ToList();
        var metrics = _strategy.AggregateEvaluate(_round, evaluations, failures);
        Complete(evaluations, failures, metrics);
    }

    private void RoundFailed(Round.FitsCollected collected, int required)
    {
        var current = _current!;
        EndAttempt(collected.Stale, collected.Duplicates);
        var failures = collected.Failures.OrderBy(f => f.ClientId, StringComparer.Ordinal).ToList();
        if (_settings.OnFailedRound == FailedRoundPolicy.Retry && current.Attempts <= _settings.MaxRetries)
        {
            _log.Warning("experiment '{0}': phase {1} round {2} got {3} of {4} fit results; retrying ({5})",
                _plan.Arm, Phase.Phase, _round, collected.Fits.Count, required,
                string.Join("; ", failures.Select(f => $"{f.ClientId}: {f.Reason}")));
            StartAttempt();
            return;
        }
        Fail(new RoundFailedException(
            _plan.Arm, Phase.Phase, _round, Phase.Rounds, current.Attempts, collected.Fits.Count, required, failures));
    }

    private void Complete(
        IReadOnlyList<EvaluateRes> evaluations, IReadOnlyList<ClientFailure> evaluateFailures,
        IReadOnlyDictionary<string, double> evaluateMetrics)
    {
        var current = _current!;
        var fits = current.Fits;
        var report = new RoundReport(
            _plan.Arm,
            Phase.Phase,
            _round,
            Phase.Rounds,
            current.NewGlobal,
            fits,
            evaluations,
            [.. current.FitFailures, .. evaluateFailures.Select(f => f with { Reason = "evaluate: " + f.Reason })],
            MetricMeans.Weighted(fits.Select(f => (f.NumExamples, f.Metrics))),
            evaluateMetrics,
            current.Clock.Elapsed,
            current.Attempts,
            current.Stale,
            current.Duplicates);
        _global = current.NewGlobal;
        _current = null;
        _reports.Add(report);
        _onRound?.Invoke(report);
        NextRound();
    }

    /// <summary>The attempt's round actor has reported for the last time (or is abandoned): forget and stop it.</summary>
    private void EndAttempt(int stale, int duplicates)
    {
        var current = _current!;
        current.Stale += stale;
        current.Duplicates += duplicates;
        Context.Unwatch(current.Actor);
        Context.Stop(current.Actor);
    }

    private bool IsCurrent(long roundId)
    {
        if (_current?.RoundId == roundId && Sender.Equals(_current.Actor)) return true;
        _log.Debug("experiment '{0}': ignoring a report of round id {1}", _plan.Arm, roundId);
        return false;
    }

    private void OnTerminated(Terminated terminated)
    {
        if (_current is null || !terminated.ActorRef.Equals(_current.Actor)) return;
        Fail(new InvalidOperationException(
            $"round {_round}/{Phase.Rounds} of phase '{Phase.Phase}' (arm '{_plan.Arm}'): the round actor stopped before reporting"));
    }

    private void Guarded(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            var where = _phaseIndex < _plan.Phases.Count
                ? $"round {_round}/{Phase.Rounds} of phase '{Phase.Phase}' (arm '{_plan.Arm}')"
                : $"arm '{_plan.Arm}'";
            Fail(new InvalidOperationException($"{where} failed: {e.Message}", e));
        }
    }

    private void Fail(Exception error)
    {
        _log.Error(error, "experiment '{0}' failed", _plan.Arm);
        _requester.Tell(new Status.Failure(error));
        Become(() => { });
        Context.Stop(Self);
    }

    /// <summary>The round being run, across its attempts.</summary>
    private sealed class RoundInProgress(FitIns fit)
    {
        public FitIns Fit { get; } = fit;
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public int Attempts { get; set; }
        public long RoundId { get; set; }
        public IActorRef Actor { get; set; } = ActorRefs.Nobody;
        public int Stale { get; set; }
        public int Duplicates { get; set; }
        public IReadOnlyList<FitRes> Fits { get; set; } = [];
        public IReadOnlyList<ClientFailure> FitFailures { get; set; } = [];
        public ModelWeights NewGlobal { get; set; } = ModelWeights.Empty;
    }
}
