using Akka.Actor;
using Akka.Event;
using FedActors.Core;

namespace FedActors.Engine;

/// <summary>
/// One attempt at one federated round, alive only for it. Watches its participants, sends each a
/// <see cref="Client.Fit"/> and collects replies until all have answered, a participant terminated, or the
/// deadline passed; reports <see cref="Round.FitsCollected"/>. A round that evaluates then waits for the new
/// global weights (<see cref="Round.Evaluate"/>), collects evaluations the same way from its evaluators (by
/// default the participants) still alive and reports <see cref="Round.EvaluationsCollected"/>. It stops after its last report. Replies for
/// another round or stage, late ones and repeated ones are ignored and counted.
/// <para>
/// A round that streams its fits passes each accepted reply on at once (<see cref="Round.FitReceived"/>) and each
/// participant that fails before the end (<see cref="Round.FitFailed"/>), and keeps only the reply's metadata:
/// no update stays alive here, however many participants there are.
/// </para>
/// </summary>
public sealed class RoundActor : ReceiveActor, IWithTimers
{
    private const string DeadlineTimer = "deadline";

    private readonly long _roundId;
    private readonly FitIns _fit;
    private readonly int _attempt;
    private readonly IReadOnlyDictionary<string, IActorRef> _participants;
    private readonly IReadOnlyDictionary<string, IActorRef> _evaluators;
    private readonly Dictionary<string, IActorRef> _actorOf;
    private readonly Dictionary<IActorRef, string> _clientOf;
    private readonly HashSet<string> _terminated = new(StringComparer.Ordinal);
    private readonly IActorRef _reportTo;
    private readonly TimeSpan _timeout;
    private readonly bool _evaluate;
    private readonly bool _streamFits;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Replies<FitRes> _fits;
    private Replies<EvaluateRes>? _evaluations;

    public RoundActor(
        long roundId, FitIns fit, IReadOnlyDictionary<string, IActorRef> participants, IActorRef reportTo,
        TimeSpan timeout, bool evaluate, int attempt, IReadOnlyDictionary<string, IActorRef> evaluators, bool streamFits)
    {
        _roundId = roundId;
        _fit = fit;
        _attempt = attempt;
        _participants = participants;
        _evaluators = evaluators;
        _actorOf = new Dictionary<string, IActorRef>(participants, StringComparer.Ordinal);
        foreach (var (id, actor) in evaluators) _actorOf.TryAdd(id, actor);
        _clientOf = _actorOf.ToDictionary(p => p.Value, p => p.Key);
        _reportTo = reportTo;
        _timeout = timeout;
        _evaluate = evaluate;
        _streamFits = streamFits;
        _fits = Replies<FitRes>.Expecting(participants.Keys);
        Collecting();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="roundId">Unique among the rounds the participants may still answer; replies carry it back.</param>
    /// <param name="fit">The instructions every participant gets (one shared instance).</param>
    /// <param name="participants">Client id to the actor that answers for it.</param>
    /// <param name="reportTo">Receives the stage reports.</param>
    /// <param name="timeout">Deadline of each stage; <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    /// <param name="evaluate">Whether to wait for <see cref="Round.Evaluate"/> after the fit stage.</param>
    /// <param name="attempt">Which attempt at the round this is (1 unless retried); sent with every fit request.</param>
    /// <param name="evaluators">
    /// Client id to actor of the clients asked to evaluate; null = the participants. With client sampling the
    /// coordinator passes every client, so accuracy is measured on the whole federation.
    /// </param>
    /// <param name="streamFits">Pass each fit on to <paramref name="reportTo"/> as it arrives (<see cref="Round.FitReceived"/>).</param>
    public static Props Props(
        long roundId, FitIns fit, IReadOnlyDictionary<string, IActorRef> participants, IActorRef reportTo,
        TimeSpan timeout, bool evaluate, int attempt = 1, IReadOnlyDictionary<string, IActorRef>? evaluators = null,
        bool streamFits = false)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(participants);
        ArgumentNullException.ThrowIfNull(reportTo);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var evaluating = evaluators ?? participants;
        foreach (var group in new[] { participants, evaluating })
        {
            if (group.Values.Distinct().Count() != group.Count)
                throw new ArgumentException("each participant must answer for one client only", nameof(participants));
        }
        foreach (var (id, actor) in evaluating)
        {
            if (participants.TryGetValue(id, out var same) ? !same.Equals(actor) : participants.Values.Contains(actor))
                throw new ArgumentException($"client '{id}' is answered for by different actors in fit and evaluate", nameof(evaluators));
        }
        return Akka.Actor.Props.Create(
            () => new RoundActor(roundId, fit, participants, reportTo, timeout, evaluate, attempt, evaluating, streamFits));
    }

    protected override void PreStart()
    {
        StartDeadline();
        foreach (var actor in _actorOf.Values) Context.Watch(actor);
        var request = new Client.Fit(_roundId, _fit, _attempt);
        foreach (var (_, participant) in _participants.OrderBy(p => p.Key, StringComparer.Ordinal)) participant.Tell(request);
        if (_fits.IsComplete) FitsDone();
    }

    protected override void PostStop()
    {
        // Stopped from outside mid-stage: free the clients still working for this round.
        foreach (var id in (_evaluations?.Pending ?? _fits.Pending)) _actorOf[id].Tell(new Client.Cancel(_roundId));
        base.PostStop();
    }

    private void Collecting()
    {
        Receive<Client.FitDone>(OnFitDone);
        Receive<Client.EvaluateDone>(OnEvaluateDone);
        Receive<Client.Failed>(OnFailed);
        Receive<Terminated>(OnTerminated);
        Receive<Deadline>(_ => OnDeadline());
    }

    private void AwaitingGlobal()
    {
        Receive<Round.Evaluate>(evaluate => evaluate.RoundId == _roundId, StartEvaluations);
        Receive<Client.FitDone>(OnFitDone);
        Receive<Client.EvaluateDone>(OnEvaluateDone);
        Receive<Client.Failed>(OnFailed);
        Receive<Terminated>(OnTerminated);
    }

    // Replies of this round that come after their stage closed reach the stage's Replies anyway, which
    // tells a late reply from a duplicate; only a reply that completes a pending stage ends it.
    private void OnFitDone(Client.FitDone done)
    {
        if (!IsOurs(done.RoundId, out var id))
        {
            CountStale();
            return;
        }
        var pending = _fits.IsPending(id);
        if (!pending) _fits = _fits.WithResult(id, done.Result); // counted as late or duplicate
        else if (done.Result.ClientId != id) FitFailure(id, $"replied as client '{done.Result.ClientId}'");
        else if (!_streamFits) _fits = _fits.WithResult(id, done.Result);
        else
        {
            _reportTo.Tell(new Round.FitReceived(_roundId, done.Result));
            _fits = _fits.WithResult(id, done.Result with { Weights = ModelWeights.Empty });
        }
        if (pending && _fits.IsComplete) FitsDone();
    }

    private void FitFailure(string id, string reason)
    {
        if (_streamFits && _fits.IsPending(id)) _reportTo.Tell(new Round.FitFailed(_roundId, id));
        _fits = _fits.WithFailure(id, reason);
    }

    private void OnEvaluateDone(Client.EvaluateDone done)
    {
        if (!IsOurs(done.RoundId, out var id) || _evaluations is null)
        {
            CountStale();
            return;
        }
        var pending = _evaluations.IsPending(id);
        _evaluations = done.Result.ClientId == id || !pending
            ? _evaluations.WithResult(id, done.Result)
            : _evaluations.WithFailure(id, $"replied as client '{done.Result.ClientId}'");
        if (pending && _evaluations.IsComplete) EvaluationsDone(_evaluations);
    }

    private void OnFailed(Client.Failed failed)
    {
        if (!IsOurs(failed.RoundId, out var id))
        {
            CountStale();
        }
        else if (failed.Stage == RoundStage.Fit)
        {
            var pending = _fits.IsPending(id);
            FitFailure(id, failed.Reason);
            if (pending && _fits.IsComplete) FitsDone();
        }
        else if (_evaluations is not null)
        {
            var pending = _evaluations.IsPending(id);
            _evaluations = _evaluations.WithFailure(id, failed.Reason);
            if (pending && _evaluations.IsComplete) EvaluationsDone(_evaluations);
        }
        else
        {
            CountStale();
        }
    }

    private void OnTerminated(Terminated terminated)
    {
        if (!_clientOf.TryGetValue(terminated.ActorRef, out var id)) return;
        _terminated.Add(id);
        const string reason = FailureReasons.Terminated;
        if (_evaluations is { } evaluations)
        {
            if (!evaluations.IsPending(id)) return;
            _evaluations = evaluations.WithFailure(id, reason);
            if (_evaluations.IsComplete) EvaluationsDone(_evaluations);
        }
        else if (_fits.IsPending(id))
        {
            FitFailure(id, reason);
            if (_fits.IsComplete) FitsDone();
        }
    }

    private void OnDeadline()
    {
        var reason = FailureReasons.Deadline + _timeout;
        if (_evaluations is { } evaluations)
        {
            CancelPending(evaluations.Pending);
            EvaluationsDone(evaluations.WithPendingFailed(reason));
        }
        else
        {
            CancelPending(_fits.Pending);
            _fits = _fits.WithPendingFailed(reason);
            FitsDone();
        }
    }

    private void StartEvaluations(Round.Evaluate evaluate)
    {
        var live = _evaluators.Where(p => !_terminated.Contains(p.Key)).ToList();
        _evaluations = Replies<EvaluateRes>.Expecting(live.Select(p => p.Key));
        StartDeadline();
        var request = new Client.Evaluate(_roundId, evaluate.Instructions);
        foreach (var (_, participant) in live) participant.Tell(request);
        Become(Collecting);
        if (_evaluations.IsComplete) EvaluationsDone(_evaluations);
    }

    private void FitsDone()
    {
        Timers.Cancel(DeadlineTimer);
        _reportTo.Tell(new Round.FitsCollected(
            _roundId, [.. _fits.Received.Values], Failures(_fits.Failed), _fits.Stale, _fits.Duplicates));
        _log.Debug("round {0}: {1} fit results, {2} failures", _roundId, _fits.Received.Count, _fits.Failed.Count);
        if (_evaluate) Become(AwaitingGlobal);
        else Context.Stop(Self);
    }

    private void EvaluationsDone(Replies<EvaluateRes> evaluations)
    {
        _evaluations = evaluations;
        Timers.Cancel(DeadlineTimer);
        _reportTo.Tell(new Round.EvaluationsCollected(
            _roundId,
            [.. evaluations.Received.Values],
            Failures(evaluations.Failed),
            _fits.Stale + evaluations.Stale,
            _fits.Duplicates + evaluations.Duplicates));
        Context.Stop(Self);
    }

    private bool IsOurs(long roundId, out string clientId)
    {
        clientId = "";
        return roundId == _roundId && _clientOf.TryGetValue(Sender, out clientId!);
    }

    private void CountStale()
    {
        if (_evaluations is null) _fits = _fits.WithStale();
        else _evaluations = _evaluations.WithStale();
    }

    private void StartDeadline()
    {
        if (_timeout != Timeout.InfiniteTimeSpan) Timers.StartSingleTimer(DeadlineTimer, Deadline.Instance, _timeout);
    }

    private void CancelPending(IEnumerable<string> pending)
    {
        foreach (var id in pending) _actorOf[id].Tell(new Client.Cancel(_roundId));
    }

    private List<ClientFailure> Failures(IEnumerable<KeyValuePair<string, string>> failed) =>
        [.. failed.Select(f => new ClientFailure(f.Key, _fit.Round, f.Value))];

    private sealed class Deadline
    {
        public static Deadline Instance { get; } = new();
        private Deadline() { }
    }
}
