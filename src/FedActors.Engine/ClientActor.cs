using Akka.Actor;
using Akka.Event;
using FedActors.Core;

namespace FedActors.Engine;

/// <summary>
/// Owns one <see cref="IFederatedClient"/>. Runs its synchronous Fit/Evaluate one at a time on the
/// <see cref="TrainerPool"/>, pipes the outcome back to itself, then answers the requester. Requests that
/// arrive while it is busy wait in order. An exception in the client becomes a <see cref="Client.Failed"/>
/// reply, never a crash of this actor. Work its round cancelled (<see cref="Client.Cancel"/>) is not answered.
/// </summary>
public sealed class ClientActor : ReceiveActor
{
    private readonly IFederatedClient _client;
    private readonly TrainerPool _pool;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<Job> _waiting = new();
    private Job? _running;
    private CancellationTokenSource? _cancelRunning;
    private bool _runningCancelled;

    public ClientActor(IFederatedClient client, TrainerPool pool)
    {
        _client = client;
        _pool = pool;
        Idle();
    }

    public static Props Props(IFederatedClient client, TrainerPool pool)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(pool);
        return Akka.Actor.Props.Create(() => new ClientActor(client, pool));
    }

    private void Idle()
    {
        Receive<Client.Fit>(fit => Start(Job.Of(fit, Sender)));
        Receive<Client.Evaluate>(evaluate => Start(Job.Of(evaluate, Sender)));
        Receive<Client.Cancel>(cancel => _log.Debug("client {0}: nothing of round {1} to cancel", _client.Id, cancel.RoundId));
    }

    private void Busy()
    {
        Receive<Client.Fit>(fit => _waiting.Enqueue(Job.Of(fit, Sender)));
        Receive<Client.Evaluate>(evaluate => _waiting.Enqueue(Job.Of(evaluate, Sender)));
        Receive<Client.Cancel>(Cancel);
        Receive<JobFinished>(Finished);
    }

    private void Start(Job job)
    {
        _running = job;
        _cancelRunning = new CancellationTokenSource();
        var client = _client;
        Task<object> work = job.Request switch
        {
            Client.Fit fit => _pool.Run<object>(
                ct => new Client.FitDone(fit.RoundId, client.Fit(fit.Instructions, ct)), _cancelRunning.Token),
            Client.Evaluate evaluate => _pool.Run<object>(
                ct => new Client.EvaluateDone(evaluate.RoundId, client.Evaluate(evaluate.Instructions, ct)), _cancelRunning.Token),
            _ => throw new InvalidOperationException($"unexpected request {job.Request.GetType().Name}"),
        };
        var clientId = client.Id;
        work.PipeTo(
            Self,
            success: reply => new JobFinished(job, reply),
            failure: error => new JobFinished(job, new Client.Failed(job.RoundId, job.Stage, clientId, Describe(error))));
        Become(Busy);
    }

    private void Finished(JobFinished finished)
    {
        var job = finished.Job;
        if (_runningCancelled)
            _log.Debug("client {0}: {1} of round {2} ended after its round cancelled it", _client.Id, job.Stage, job.RoundId);
        else
        {
            if (finished.Reply is Client.Failed failed)
                _log.Warning("client {0}: {1} of round {2} failed: {3}", _client.Id, job.Stage, job.RoundId, failed.Reason);
            job.ReplyTo.Tell(finished.Reply, Self);
        }
        _cancelRunning?.Dispose();
        _cancelRunning = null;
        _runningCancelled = false;
        _running = null;
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
        if (_running?.RoundId == cancel.RoundId)
        {
            // The round wants no answer any more: whatever the work ends with is dropped, not sent to a dead round.
            _runningCancelled = true;
            _cancelRunning?.Cancel();
        }
    }

    protected override void PostStop()
    {
        // Cancel only: the trainer may still be linking to this token, so it is left to the collector.
        _cancelRunning?.Cancel();
        base.PostStop();
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

    private sealed record JobFinished(Job Job, object Reply);
}
