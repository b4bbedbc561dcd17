using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using FedActors.Core;

namespace FedActors.Engine;

/// <summary>
/// Owns one <see cref="IFederatedClient"/>. Runs its synchronous Fit/Evaluate one at a time on the
/// <see cref="TrainerPool"/>, pipes the outcome back to itself, then answers the requester. Requests that
/// arrive while it is busy wait in order. An exception in the client becomes a <see cref="Client.Failed"/>
/// reply, never a crash of this actor. Work its round cancelled (<see cref="Client.Cancel"/>) is not answered.
/// <para>
/// Simulated faults (<see cref="IFaultPlan"/>) act here, on fit requests: a drop takes the request and never
/// answers it; a crash throws a <see cref="ClientCrashException"/> from this actor, whose supervisor restarts
/// it; a slow client's reply is held on a timer (scheduler time, so virtual in tests) after the real work is
/// done, leaving the trainer free for others. On a restart every request the actor held fails with a
/// <c>crashed: </c> reason; the client and the <see cref="Client.Counters"/> survive it.
/// </para>
/// </summary>
public sealed class ClientActor : ReceiveActor, IWithTimers
{
    private const string HoldTimer = "hold";

    private readonly IFederatedClient _client;
    private readonly TrainerPool _pool;
    private readonly IFaultPlan _faults;
    private readonly long _runSeed;
    private readonly ClientTally _tally;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<Job> _waiting = new();
    private Job? _running;
    private ClientFault _fault = ClientFault.None;
    private DateTimeOffset _startedAt;
    private CancellationTokenSource? _cancelRunning;
    private bool _runningCancelled;
    private bool _holding;

    public ClientActor(IFederatedClient client, TrainerPool pool, IFaultPlan faults, long runSeed, ClientTally tally)
    {
        _client = client;
        _pool = pool;
        _faults = faults;
        _runSeed = runSeed;
        _tally = tally;
        Idle();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Props for the one actor that serves <paramref name="client"/>. Each call makes a fresh
    /// <see cref="Client.Counters"/> record that the actor keeps across restarts: spawn one actor per call.
    /// </summary>
    /// <param name="faults">Simulated faults; null for none.</param>
    /// <param name="runSeed">The seed fault draws derive from (<see cref="ExperimentPlan.Seed"/>).</param>
    public static Props Props(IFederatedClient client, TrainerPool pool, IFaultPlan? faults = null, long runSeed = 0)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(pool);
        var plan = faults ?? FaultSettings.None;
        var tally = new ClientTally();
        return Akka.Actor.Props.Create(() => new ClientActor(client, pool, plan, runSeed, tally));
    }

    private void Idle()
    {
        Receive<Client.Fit>(fit => Start(Job.Of(fit, Sender)));
        Receive<Client.Evaluate>(evaluate => Start(Job.Of(evaluate, Sender)));
        Receive<Client.Cancel>(cancel => _log.Debug("client {0}: nothing of round {1} to cancel", _client.Id, cancel.RoundId));
        Receive<Client.GetCounters>(_ => Sender.Tell(_tally.Snapshot(_client.Id)));
        Receive<JobFinished>(IgnoreStray);
        Receive<Release>(IgnoreStray);
    }

    private void Busy()
    {
        Receive<Client.Fit>(fit => _waiting.Enqueue(Job.Of(fit, Sender)));
        Receive<Client.Evaluate>(evaluate => _waiting.Enqueue(Job.Of(evaluate, Sender)));
        Receive<Client.Cancel>(Cancel);
        Receive<Client.GetCounters>(_ => Sender.Tell(_tally.Snapshot(_client.Id)));
        Receive<JobFinished>(Finished);
        Receive<Release>(Released);
    }

    private void Start(Job job)
    {
        _running = job; // from here on, a crash answers it (PreRestart)
        _fault = job.Request is Client.Fit fit
            ? _faults.OnFit(new FaultContext(_runSeed, _client.Id, fit.Instructions.Phase, fit.Instructions.Round, fit.Attempt))
            : ClientFault.None;
        switch (_fault.Kind)
        {
            case FaultKind.Drop:
                _tally.Dropped++;
                _log.Info("client {0}: drops out of round {1} (simulated fault); no reply", _client.Id, job.RoundId);
                _running = null;
                StartNext();
                return;
            case FaultKind.Crash:
                throw new ClientCrashException(_client.Id, $"simulated crash on the fit request of round {job.RoundId}");
        }

        _startedAt = Context.System.Scheduler.Now;
        _cancelRunning = new CancellationTokenSource();
        var client = _client;
        // Trainers serve a round's clients in id order: the order the coordinator folds their updates in.
        var turn = new TrainerTurn(job.RoundId, client.Id);
        // A Byzantine client (simulated) trains on flipped labels, or sends a crafted update instead of its result.
        var attack = job.Request is Client.Fit attacked
            ? _faults.AttackOn(new FaultContext(_runSeed, _client.Id, attacked.Instructions.Phase, attacked.Instructions.Round, attacked.Attempt))
            : null;
        Task<Outcome> work = job.Request switch
        {
            Client.Fit f => _pool.Run(
                ct => Timed(() => new Client.FitDone(f.RoundId, Attacked(client, f.Instructions, attack, ct))), _cancelRunning.Token, turn),
            Client.Evaluate e => _pool.Run(
                ct => Timed(() => new Client.EvaluateDone(e.RoundId, client.Evaluate(e.Instructions, ct))), _cancelRunning.Token, turn),
            _ => throw new InvalidOperationException($"unexpected request {job.Request.GetType().Name}"),
        };
        var clientId = client.Id;
        work.PipeTo(
            Self,
            success: outcome => new JobFinished(job, outcome.Reply, outcome.Work),
            failure: error => new JobFinished(job, new Client.Failed(job.RoundId, job.Stage, clientId, Describe(error)), TimeSpan.Zero));
        Become(Busy);
    }

    private void Finished(JobFinished finished)
    {
        var job = finished.Job;
        if (!ReferenceEquals(job, _running))
        {
            IgnoreStray(finished);
            return;
        }
        if (_runningCancelled)
        {
            _tally.Cancelled++;
            _log.Debug("client {0}: {1} of round {2} ended after its round cancelled it", _client.Id, job.Stage, job.RoundId);
            EndJob();
            return;
        }
        var hold = finished.Reply is Client.FitDone ? _fault.Hold(finished.Work, Context.System.Scheduler.Now - _startedAt) : TimeSpan.Zero;
        if (hold > TimeSpan.Zero)
        {
            // Simulated slowness: the trainer is free again, the answer waits.
            _holding = true;
            _tally.Held++;
            Timers.StartSingleTimer(HoldTimer, new Release(job, finished.Reply), hold);
            return;
        }
        Answer(job, finished.Reply);
        EndJob();
    }

    private void Released(Release release)
    {
        if (!ReferenceEquals(release.Job, _running))
        {
            IgnoreStray(release);
            return;
        }
        Answer(release.Job, release.Reply);
        EndJob();
    }

    private void Answer(Job job, object reply)
    {
        switch (reply)
        {
            case Client.Failed failed:
                _tally.Failures++;
                _log.Warning("client {0}: {1} of round {2} failed: {3}", _client.Id, job.Stage, job.RoundId, failed.Reason);
                break;
            case Client.FitDone:
                _tally.Fits++;
                break;
            case Client.EvaluateDone:
                _tally.Evaluations++;
                break;
        }
        job.ReplyTo.Tell(reply, Self);
    }

    private void EndJob()
    {
        _cancelRunning?.Dispose();
        _cancelRunning = null;
        _runningCancelled = false;
        _holding = false;
        _running = null;
        _fault = ClientFault.None;
        StartNext();
    }

    private void StartNext()
    {
        if (_waiting.Count > 0) Start(_waiting.Dequeue());
        else Become(Idle);
    }

    private void Cancel(Client.Cancel cancel)
    {
        var kept = _waiting.Where(job => job.RoundId != cancel.RoundId).ToList();
        if (kept.Count != _waiting.Count)
        {
            _waiting.Clear();
            foreach (var job in kept) _waiting.Enqueue(job);
        }
        if (_running?.RoundId != cancel.RoundId) return;
        if (_holding)
        {
            Timers.Cancel(HoldTimer);
            _tally.Cancelled++;
            _log.Debug("client {0}: reply to round {1} withheld, its round cancelled it", _client.Id, cancel.RoundId);
            EndJob();
            return;
        }
        // The round wants no answer any more: whatever the work ends with is dropped, not sent to a dead round.
        _runningCancelled = true;
        _cancelRunning?.Cancel();
    }

    private void IgnoreStray(object message) =>
        _log.Debug("client {0}: ignoring {1} of work this incarnation did not start", _client.Id, message.GetType().Name);

    // Anything that escapes message handling is a crash of this client, which its supervisor restarts.
    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception e) when (e is not (ClientCrashException or ActorKilledException or DeathPactException))
        {
            throw new ClientCrashException(_client.Id, $"{e.GetType().Name}: {e.Message}", e);
        }
    }

    protected override void PreRestart(Exception reason, object message)
    {
        // Requests held by the crashed incarnation are lost: fail them now rather than leave rounds to time out.
        var lost = _running is { } running && !_runningCancelled ? [running, .. _waiting] : _waiting.ToList();
        var why = FailureReasons.Crashed + reason.Message + "; the actor was restarted";
        foreach (var job in lost)
        {
            _tally.Failures++;
            job.ReplyTo.Tell(new Client.Failed(job.RoundId, job.Stage, _client.Id, why), Self);
        }
        _tally.Restarts++;
        _log.Warning("client {0}: crashed ({1}); restarting, {2} request(s) failed", _client.Id, reason.Message, lost.Count);
        base.PreRestart(reason, message);
    }

    protected override void PostStop()
    {
        // Cancel only: the trainer may still be linking to this token, so it is left to the collector.
        _cancelRunning?.Cancel();
        base.PostStop();
    }

    private static FitRes Attacked(IFederatedClient client, FitIns instructions, UpdateAttack? attack, CancellationToken ct)
    {
        if (attack is null) return client.Fit(instructions, ct);
        if (attack.ChangesTraining)
        {
            var config = new Dictionary<string, string>(instructions.Config, StringComparer.Ordinal) { [UpdateAttack.LabelFlipKey] = "true" };
            return client.Fit(instructions with { Config = config }, ct);
        }
        // The crafted update is made from the honest one: a remote client's is fetched here, not left pending.
        return attack.Apply(instructions.Global, client.Fit(instructions, ct).Fetched(ct));
    }

    private static Outcome Timed(Func<object> work)
    {
        var clock = Stopwatch.StartNew();
        var reply = work();
        return new Outcome(reply, clock.Elapsed);
    }

    private static string Describe(Exception error)
    {
        while (error is AggregateException { InnerExceptions.Count: 1 } aggregate) error = aggregate.InnerExceptions[0];
        return error is OperationCanceledException
            ? "cancelled"
            : $"{error.GetType().Name}: {error.Message}";
    }

    private sealed record Job(long RoundId, RoundStage Stage, object Request, IActorRef ReplyTo)
    {
        public static Job Of(Client.Fit fit, IActorRef replyTo) => new(fit.RoundId, RoundStage.Fit, fit, replyTo);
        public static Job Of(Client.Evaluate evaluate, IActorRef replyTo) => new(evaluate.RoundId, RoundStage.Evaluate, evaluate, replyTo);
    }

    private sealed record Outcome(object Reply, TimeSpan Work);

    private sealed record JobFinished(Job Job, object Reply, TimeSpan Work);

    private sealed record Release(Job Job, object Reply);
}

/// <summary>
/// A client actor's counters. Made by <see cref="ClientActor.Props"/> and kept by every incarnation of that
/// actor, so a restart loses none of them; touched only on the actor's thread.
/// </summary>
public sealed class ClientTally
{
    internal int Fits { get; set; }
    internal int Evaluations { get; set; }
    internal int Failures { get; set; }
    internal int Dropped { get; set; }
    internal int Held { get; set; }
    internal int Cancelled { get; set; }
    internal int Restarts { get; set; }

    internal Client.Counters Snapshot(string clientId) => new(clientId, Fits, Evaluations, Failures, Dropped, Held, Cancelled, Restarts);
}
