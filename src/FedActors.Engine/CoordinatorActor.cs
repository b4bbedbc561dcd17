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
/// <see cref="RoundActor"/> for the clients it samples among those available; validates each update against
/// the global it started from (a rejected one becomes a failure), turns the accepted ones into the next global
/// weights with the strategy (results ordered by client id, so the outcome does not depend on scheduling),
/// applies the round policy, records a <see cref="RoundReport"/>, and finally answers
/// <see cref="Coordinator.Run"/> with the <see cref="ExperimentResult"/> or a failure, then stops.
/// Every client evaluates, sampled or not. A client actor that crashes is restarted with its state; a round
/// actor that crashes is stopped, which fails the experiment.
/// <para>
/// With a streaming strategy (<see cref="IStreamingStrategy"/>, FedAvg's case) the round passes each update on as it
/// arrives; the coordinator validates it at once and folds it in through an <see cref="InOrderAggregation"/> (client-id
/// order, so the same bits as folding them all at the end), keeping only updates that arrive ahead of a pending
/// client. Memory is then O(model) per round, not O(participants x model), and <see cref="RoundReport.Fits"/> lists
/// the results without their weights. A reply whose update is pending (<see cref="FitRes.Pending"/>: a remote client's,
/// still on its node) is fetched when the fold is nearly ready for it (<see cref="PendingFetches"/>), so the
/// coordinator holds about <see cref="EngineSettings.FetchWindow"/> + 1 updates at a time whatever order the replies
/// come in; a buffering strategy gets every pending update fetched at the end of the fit stage.
/// </para>
/// <para>
/// The full <see cref="RoundReport"/> of each round goes to the onRound callback; the
/// <see cref="ExperimentResult.Rounds"/> it answers with keep each report without its global and without the
/// updates' weights, so a long run holds one global (the current one), not one per round.
/// </para>
/// </summary>
public sealed class CoordinatorActor : ReceiveActor
{
    private readonly ExperimentPlan _plan;
    private readonly IReadOnlyList<IFederatedClient> _clientList;
    private readonly IStrategy _strategy;
    private readonly EngineSettings _settings;
    private readonly TrainerPool _pool;
    private readonly Action<RoundReport>? _onRound;
    private readonly IFaultPlan _faults;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<RoundReport> _reports = [];

    private IReadOnlyDictionary<string, IActorRef> _clients = new Dictionary<string, IActorRef>();
    // Clients that say whether they can be reached (remote ones): sampled only while connected.
    private IReadOnlyDictionary<string, IConnectedClient> _connectivity = new Dictionary<string, IConnectedClient>();
    // Clients whose shard size is known: their updates may report no more examples than that.
    private IReadOnlyDictionary<string, IKnownShard> _shards = new Dictionary<string, IKnownShard>();
    private IActorRef _requester = ActorRefs.Nobody;
    private ModelWeights _global;
    private int _phaseIndex;
    private int _round;
    private long _lastRoundId;
    private RoundInProgress? _current;
    private int _staleBetweenRounds;
    // Simulated seconds since the experiment began (with a clock).
    private double _simulated;

    public CoordinatorActor(
        ExperimentPlan plan, IReadOnlyList<IFederatedClient> clients, IStrategy strategy, EngineSettings settings,
        TrainerPool pool, Action<RoundReport>? onRound, IFaultPlan faults)
    {
        _plan = plan;
        _faults = faults;
        _clientList = clients;
        _strategy = strategy;
        _settings = settings;
        _pool = pool;
        _onRound = onRound;
        _global = plan.Initial;
        // Resuming: the rounds before the start point are done and plan.Initial is their result.
        _phaseIndex = plan.StartPhase;
        _round = plan.StartAfterRound;
        _simulated = plan.Clock?.StartSeconds ?? 0;
        Idle();
    }

    public static Props Props(
        ExperimentPlan plan, IReadOnlyList<IFederatedClient> clients, IStrategy strategy, EngineSettings settings,
        TrainerPool pool, Action<RoundReport>? onRound = null, IFaultPlan? faults = null)
    {
        var faultPlan = faults ?? FaultSettings.None;
        Experiment.Validate(plan, clients, strategy, settings, faultPlan);
        ArgumentNullException.ThrowIfNull(pool);
        return Akka.Actor.Props.Create(() => new CoordinatorActor(plan, clients, strategy, settings, pool, onRound, faultPlan));
    }

    // A client actor that crashes (any exception escaping it arrives wrapped as a ClientCrashException) is
    // restarted with its client and counters; the requests it held fail, so its round treats it per policy.
    // A round actor that throws is stopped: that fails the experiment instead of silently starting over.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(Decide, loggingEnabled: false);

    private Directive Decide(Exception cause)
    {
        if (cause is not ClientCrashException crash) return Directive.Stop;
        if (_current is { } current) current.Counts += RoundCounts.Zero with { Restarts = 1 };
        _log.Info("experiment '{0}': restarting the actor of client '{1}'", _plan.Arm, crash.ClientId);
        return Directive.Restart;
    }

    private PhasePlan Phase => _plan.Phases[_phaseIndex];

    private void Idle()
    {
        Receive<Coordinator.Run>(_ => Start());
    }

    private void Running()
    {
        Receive<Round.FitReceived>(fit => Guarded(() => OnFitReceived(fit)));
        Receive<Round.FitFailed>(failed => Guarded(() => OnFitFailed(failed)));
        Receive<UpdateFetched>(fetched => Guarded(() => OnUpdateFetched(fetched)));
        Receive<Round.FitsCollected>(fits => Guarded(() => OnFitsCollected(fits)));
        Receive<Round.EvaluationsCollected>(evaluations => Guarded(() => OnEvaluationsCollected(evaluations)));
        Receive<Terminated>(OnTerminated);
        Receive<DeadLetter>(OnDeadLetter);
        Receive<Coordinator.Run>(_ => Sender.Tell(new Status.Failure(
            new InvalidOperationException($"experiment '{_plan.Arm}' is already running"))));
    }

    private void Start()
    {
        _requester = Sender;
        Become(Running);
        // Replies that reach a round after it ended die as dead letters; they are counted as stale (late).
        Context.System.EventStream.Subscribe(Self, typeof(DeadLetter));
        Guarded(() =>
        {
            // Shared read-only with every round actor.
            _clients = _clientList.ToFrozenDictionary(
                client => client.Id,
                client => Context.ActorOf(ClientActor.Props(client, _pool, _faults, _plan.Seed), ActorNames.Escape(client.Id)),
                StringComparer.Ordinal);
            _connectivity = _clientList.OfType<IConnectedClient>().ToFrozenDictionary(c => c.Id, StringComparer.Ordinal);
            _shards = _clientList.OfType<IKnownShard>().ToFrozenDictionary(c => c.Id, StringComparer.Ordinal);
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
        if (_round == 1 && Phase.OnStart is { } onStart) _global = onStart(_global);
        var config = new Dictionary<string, string>(Phase.FitConfig, StringComparer.Ordinal)
        {
            ["round"] = _round.ToString(CultureInfo.InvariantCulture),
            ["total-rounds"] = Phase.Rounds.ToString(CultureInfo.InvariantCulture),
        };
        // The strategy may add its own settings for the clients (FedProx's proximal-mu), as Flower's configure_fit.
        var configured = _strategy.ConfigureFit(_round, Phase.Phase, config);
        _current = new RoundInProgress(new FitIns(_round, Phase.Phase, _global, configured.ToFrozenDictionary(StringComparer.Ordinal)))
        {
            Stale = _staleBetweenRounds,
        };
        _staleBetweenRounds = 0;
        StartAttempt();
    }

    private void StartAttempt()
    {
        var current = _current!;
        current.Attempts++;
        current.RoundId = ++_lastRoundId;
        FaultContext At(string id) => new(_plan.Seed, id, Phase.Phase, _round, current.Attempts);
        var connected = _connectivity.Count == 0
            ? _clients
            : _clients.Where(c => !_connectivity.TryGetValue(c.Key, out var client) || client.IsConnected)
                .ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
        var clock = _plan.Clock;
        var available = connected.Keys
            .Where(id => _faults.IsAvailable(At(id)) && (clock is null || clock.Devices.IsActive(id, _simulated)))
            .ToList();
        var sample = ClientSampling.Sample(
            available, _settings.SampleFraction, _settings.MinSampledClients,
            Seeds.Derive(_plan.Seed, $"sample/{Phase.Phase}/{current.Attempts}", "", _round));
        current.Participants = sample;
        current.Drops = sample.Where(id => _faults.OnFit(At(id)).Kind == FaultKind.Drop).ToHashSet(StringComparer.Ordinal);
        current.Attackers = [.. sample.Where(id => _faults.AttackOn(At(id)) is not null)];
        current.Counts += RoundCounts.Zero with { Unavailable = _clients.Count - available.Count };
        // With a clock, each participant's simulated fit time is known up front; one the deadline leaves out is not asked.
        current.FitSeconds = clock is null
            ? new Dictionary<string, double>()
            : sample.ToDictionary(id => id, id => clock.Devices.FitSeconds(id, Phase.Phase, _global.ByteSize), StringComparer.Ordinal);
        current.SimulatedLate = clock is null
            ? []
            : [.. sample.Where(id => clock.IsLate(current.FitSeconds[id])).Select(id => new ClientFailure(id, _round, clock.LateReason(current.FitSeconds[id])))];
        var asked = current.SimulatedLate.Count == 0 ? sample : sample.Except(current.SimulatedLate.Select(f => f.ClientId), StringComparer.Ordinal).ToList();
        var participants = asked.Count == _clients.Count ? _clients : asked.ToDictionary(id => id, id => _clients[id], StringComparer.Ordinal);
        // A retried attempt starts its aggregation afresh: what the failed attempt folded is dropped with it.
        current.Streamed = _strategy is IStreamingStrategy streaming
            ? new InOrderAggregation(sample, streaming.BeginFit(_round, Phase.Phase, _global))
            : null;
        foreach (var late in current.SimulatedLate) current.Streamed?.Skip(late.ClientId);
        current.Rejected = [];
        current.Fetches = new PendingFetches(_settings.FetchWindow);
        current.Fetched = new Dictionary<string, FitRes>(StringComparer.Ordinal);
        current.CollectedWhileFetching = null;
        current.Actor = Context.ActorOf(
            RoundActor.Props(
                current.RoundId, current.Fit, participants, Self, _settings.RoundTimeout, Phase.Evaluates(_round),
                current.Attempts, evaluators: connected, streamFits: current.Streamed is not null),
            $"round-{current.RoundId}");
        Context.Watch(current.Actor);
        _log.Info("experiment '{0}': phase {1} round {2} attempt {3} started with {4} of {5} available clients",
            _plan.Arm, Phase.Phase, $"{_round}/{Phase.Rounds}", current.Attempts, sample.Count, available.Count);
    }

    /// <summary>
    /// A streamed update: validated now against the global it started from, then folded in client-id order. A pending
    /// one (still on its client's node) is queued and fetched when the aggregation is nearly ready for it.
    /// </summary>
    private void OnFitReceived(Round.FitReceived received)
    {
        if (!IsCurrent(received.RoundId)) return;
        if (received.Result.Pending is not null)
        {
            _current!.Fetches.Enqueue(received.Result);
            StartFetches();
            return;
        }
        Fold(received.Result);
    }

    private void Fold(FitRes fit)
    {
        var current = _current!;
        var why = Validate(fit);
        if (why is null)
        {
            current.Streamed!.Offer(fit);
            return;
        }
        current.Rejected.Add(new ClientFailure(fit.ClientId, _round, FailureReasons.Rejected + why));
        current.Streamed!.Skip(fit.ClientId);
    }

    private void OnFitFailed(Round.FitFailed failed)
    {
        if (!IsCurrent(failed.RoundId)) return;
        _current!.Streamed!.Skip(failed.ClientId);
        StartFetches();
    }

    /// <summary>
    /// Starts fetching the pending updates the aggregation can take next (<see cref="PendingFetches"/>): lowest client
    /// id first, within the fetch window, and always the one the in-order fold waits for.
    /// </summary>
    private void StartFetches()
    {
        var current = _current!;
        var roundId = current.RoundId;
        var self = Self;
        while (current.Fetches.Next(current.Streamed) is { } fit)
        {
            var clientId = fit.ClientId;
            fit.Pending!.FetchAsync(CancellationToken.None).PipeTo(
                self,
                success: weights => new UpdateFetched(roundId, fit with { Weights = weights, Pending = null }, null),
                failure: error => new UpdateFetched(roundId, fit, $"fetching its update failed: {(error is AggregateException { InnerException: { } inner } ? inner : error).Message}"));
            _log.Debug("experiment '{0}': fetching the update of client '{1}'", _plan.Arm, clientId);
        }
    }

    private void OnUpdateFetched(UpdateFetched fetched)
    {
        // An abandoned attempt's fetch: its round has moved on (the update is dropped with the message).
        if (_current is not { } current || current.RoundId != fetched.RoundId) return;
        current.Fetches.Done();
        var fit = fetched.Result;
        if (fetched.Error is { } error)
        {
            _log.Warning("experiment '{0}': phase {1} round {2}: client '{3}': {4}", _plan.Arm, Phase.Phase, _round, fit.ClientId, error);
            current.Rejected.Add(new ClientFailure(fit.ClientId, _round, error));
            current.Streamed?.Skip(fit.ClientId);
        }
        else if (current.Streamed is not null) Fold(fit);
        else current.Fetched[fit.ClientId] = fit;
        StartFetches();
        if (current.Fetches.IsIdle && current.CollectedWhileFetching is { } collected) FitsCollected(collected);
    }

    private void OnFitsCollected(Round.FitsCollected collected)
    {
        if (!IsCurrent(collected.RoundId)) return;
        var current = _current!;
        if (current.Streamed is { } streamed)
        {
            // Whoever has not replied by now never will: the fold stops waiting for them, so the pending updates
            // behind them can be fetched.
            foreach (var failure in collected.Failures) streamed.Skip(failure.ClientId);
        }
        else
        {
            // A strategy that needs every update (not streaming) gets the pending ones fetched now, a window at a time.
            foreach (var fit in collected.Fits.Where(f => f.Pending is not null)) current.Fetches.Enqueue(fit);
        }
        StartFetches();
        if (!current.Fetches.IsIdle)
        {
            current.CollectedWhileFetching = collected;
            // A round that does not evaluate has made its last report and stops: that is no failure.
            if (!Phase.Evaluates(_round)) Context.Unwatch(current.Actor);
            return;
        }
        FitsCollected(collected);
    }

    /// <summary>The fit stage's end, once every pending update of the attempt has been fetched (or failed to be).</summary>
    private void FitsCollected(Round.FitsCollected collected)
    {
        var current = _current!;
        current.CollectedWhileFetching = null;
        var (fits, failures) = Screen(collected);
        current.Counts += Tally(failures);
        if (_plan.Clock is { } clock)
            current.SimulatedSeconds += clock.AttemptSeconds(fits.Select(f => current.FitSeconds[f.ClientId]), current.SimulatedLate.Count > 0);
        var required = _settings.QuorumOf(current.Participants.Count);
        if (fits.Count < required)
        {
            if (_settings.OnFailedRound != FailedRoundPolicy.AcceptPartial)
            {
                RoundFailed(collected, fits.Count, failures, required);
                return;
            }
            _log.Warning("experiment '{0}': phase {1} round {2} got {3} of {4} fit results; accepting them",
                _plan.Arm, Phase.Phase, _round, fits.Count, required);
        }
        current.Fits = fits;
        current.FitFailures = failures;
        current.NewGlobal = current.Streamed is { } streamed
            ? streamed.Finish(failures)
            : _strategy.AggregateFit(_round, Phase.Phase, _global, fits, failures);
        current.Streamed = null;
        if (Phase.Evaluates(_round))
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

    /// <summary>
    /// The attempt's results that may be aggregated, and its failures: those the round reported (a planned drop's
    /// deadline miss marked as a drop) plus every update that fails validation, all in client-id order. Streamed
    /// updates were validated on arrival.
    /// </summary>
    private (List<FitRes> Fits, List<ClientFailure> Failures) Screen(Round.FitsCollected collected)
    {
        var current = _current!;
        var fits = new List<FitRes>();
        var failures = new List<ClientFailure>(current.Rejected);
        var rejected = current.Rejected.Select(f => f.ClientId).ToHashSet(StringComparer.Ordinal);
        foreach (var reply in collected.Fits.OrderBy(f => f.ClientId, StringComparer.Ordinal))
        {
            if (rejected.Contains(reply.ClientId)) continue;
            // A streamed reply is listed without its update; a buffered pending one was fetched meanwhile.
            var fit = reply.Pending is null ? reply
                : current.Streamed is null ? current.Fetched[reply.ClientId]
                : reply with { Pending = null };
            var why = current.Streamed is null ? Validate(fit) : null;
            if (why is null)
            {
                fits.Add(fit);
                continue;
            }
            failures.Add(new ClientFailure(fit.ClientId, _round, FailureReasons.Rejected + why));
        }
        foreach (var failure in collected.Failures)
        {
            var dropped = current.Drops.Contains(failure.ClientId) && FailureReasons.IsDeadline(failure.Reason);
            failures.Add(dropped ? failure with { Reason = FailureReasons.Dropped + failure.Reason } : failure);
        }
        failures.AddRange(current.SimulatedLate);
        failures.Sort((a, b) => string.CompareOrdinal(a.ClientId, b.ClientId));
        return (fits, failures);
    }

    /// <summary>Why the update must not be aggregated (logged), as <c>kind: reason</c>, or null.</summary>
    private string? Validate(FitRes fit)
    {
        var shard = _shards.TryGetValue(fit.ClientId, out var known) ? known.ShardSize(Phase.Phase) : 0;
        var why = UpdateValidation.Validate(_current!.Fit.Global, fit.Weights, fit.NumExamples, _settings.MaxUpdateNorm, shard);
        if (why is null) return null;
        _log.Warning("experiment '{0}': phase {1} round {2}: update of client '{3}' rejected: {4}", _plan.Arm, Phase.Phase, _round, fit.ClientId, why);
        return why.ToString();
    }

    private static RoundCounts Tally(IReadOnlyList<ClientFailure> failures) => RoundCounts.Zero with
    {
        Dropped = failures.Count(f => FailureReasons.IsDropped(f.Reason)),
        Late = failures.Count(f => FailureReasons.IsDeadline(f.Reason)),
        Rejected = failures.Count(f => FailureReasons.IsRejected(f.Reason)),
        Failed = failures.Count,
    };

    private void RoundFailed(Round.FitsCollected collected, int results, List<ClientFailure> failures, int required)
    {
        var current = _current!;
        EndAttempt(collected.Stale, collected.Duplicates);
        if (_settings.OnFailedRound == FailedRoundPolicy.Retry && current.Attempts <= _settings.MaxRetries)
        {
            _log.Warning("experiment '{0}': phase {1} round {2} got {3} of {4} fit results; retrying ({5})",
                _plan.Arm, Phase.Phase, _round, results, required,
                string.Join("; ", failures.Select(f => $"{f.ClientId}: {f.Reason}")));
            StartAttempt();
            return;
        }
        Fail(new RoundFailedException(
            _plan.Arm, Phase.Phase, _round, Phase.Rounds, current.Attempts, results, required, failures));
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
            [.. current.FitFailures, .. evaluateFailures.Select(f => f with { Reason = FailureReasons.Evaluate + f.Reason })],
            MetricMeans.Weighted(fits.Select(f => (f.NumExamples, f.Metrics))),
            evaluateMetrics,
            current.Clock.Elapsed,
            current.Attempts,
            current.Stale,
            current.Duplicates)
        {
            Participants = current.Participants,
            Counts = current.Counts,
            Attackers = current.Attackers,
        };
        _global = current.NewGlobal;
        _simulated += current.SimulatedSeconds;
        if (_plan.Clock is not null) report = report with { SimulatedSeconds = _simulated };
        _current = null;
        _reports.Add(Retained(report));
        _onRound?.Invoke(report);
        NextRound();
    }

    /// <summary>
    /// The report as <see cref="ExperimentResult.Rounds"/> keeps it: without the global and without the updates'
    /// weights, so the result's memory does not grow with the number of rounds (the full report went to onRound,
    /// and the last global is <see cref="ExperimentResult.Final"/>).
    /// </summary>
    private static RoundReport Retained(RoundReport report) => report with
    {
        Global = ModelWeights.Empty,
        Fits = report.Fits.All(f => f.Weights.Count == 0)
            ? report.Fits
            : [.. report.Fits.Select(f => f.Weights.Count == 0 ? f : f with { Weights = ModelWeights.Empty })],
    };

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

    /// <summary>
    /// A client's reply to one of this coordinator's rounds that had already stopped: late, so ignored, and
    /// counted as stale in the round in progress (or the next one).
    /// </summary>
    private void OnDeadLetter(DeadLetter letter)
    {
        if (letter.Message is not (Client.FitDone or Client.EvaluateDone or Client.Failed)) return;
        if (!Self.Path.Equals(letter.Recipient.Path.Parent)) return;
        _log.Debug("experiment '{0}': a {1} reached {2} after that round ended", _plan.Arm, letter.Message.GetType().Name, letter.Recipient.Path.Name);
        if (_current is { } current) current.Stale++;
        else _staleBetweenRounds++;
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        base.PostStop();
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

    /// <summary>A pending update fetched (<see cref="FitRes.Pending"/> null), or the reason it could not be.</summary>
    private sealed record UpdateFetched(long RoundId, FitRes Result, string? Error);

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

        /// <summary>The current attempt's aggregation in progress, when the strategy streams; null otherwise and once finished.</summary>
        public InOrderAggregation? Streamed { get; set; }

        /// <summary>Updates of the current attempt that failed validation (streamed) or could not be fetched, in arrival order.</summary>
        public List<ClientFailure> Rejected { get; set; } = [];

        /// <summary>The current attempt's pending updates still to fetch, and how many are being fetched.</summary>
        public PendingFetches Fetches { get; set; } = new(1);

        /// <summary>Pending updates fetched for a strategy that is not streaming, by client id.</summary>
        public Dictionary<string, FitRes> Fetched { get; set; } = new(StringComparer.Ordinal);

        /// <summary>The fit stage's end, when it came while pending updates were still being fetched.</summary>
        public Round.FitsCollected? CollectedWhileFetching { get; set; }

        /// <summary>The current attempt's sample, in ordinal order.</summary>
        public IReadOnlyList<string> Participants { get; set; } = [];

        /// <summary>Participants of the current attempt that the fault plan makes Byzantine, in ordinal order.</summary>
        public IReadOnlyList<string> Attackers { get; set; } = [];

        /// <summary>Participants of the current attempt whose fit the fault plan drops.</summary>
        public HashSet<string> Drops { get; set; } = [];

        /// <summary>Summed over the attempts so far.</summary>
        public RoundCounts Counts { get; set; } = RoundCounts.Zero;

        /// <summary>With a clock: the current attempt's participants' simulated fit seconds.</summary>
        public IReadOnlyDictionary<string, double> FitSeconds { get; set; } = new Dictionary<string, double>();

        /// <summary>With a clock: participants of the current attempt that the simulated deadline left out.</summary>
        public List<ClientFailure> SimulatedLate { get; set; } = [];

        /// <summary>Simulated seconds of the attempts so far.</summary>
        public double SimulatedSeconds { get; set; }
    }
}
