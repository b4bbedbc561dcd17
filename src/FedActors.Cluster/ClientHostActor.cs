using Akka.Actor;
using Akka.Event;
using FedActors.Core;

namespace FedActors.Cluster;

/// <summary>
/// Hosts a node's clients for remote coordinators: fetches the global weights a request points at (once per
/// snapshot for all its clients), runs the client on a thread of its own, one call per client at a time, offers the
/// trained weights on the node's data plane and replies with where to fetch them. Never blocks its own thread.
/// </summary>
public sealed class ClientHostActor : ReceiveActor
{
    public const string Name = "fedactors-client-host";
    // A round asks for its global (fit) and the next one (evaluate), which the next round's fits use again.
    private const int GlobalsKept = 2;

    private readonly Dictionary<string, ClientLane> _clients;
    private readonly ClientHost.Roster _roster;
    private readonly WeightStore _store;
    private readonly Dictionary<string, Task<ModelWeights>> _globals = new(StringComparer.Ordinal);
    private readonly Queue<string> _globalAge = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<long, CancellationTokenSource> _calls = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ClientHostActor(IReadOnlyList<IFederatedClient> clients, WeightStore store, Func<IFederatedClient, ClientHost.HostedClient>? describe = null)
    {
        _clients = clients.ToDictionary(c => c.Id, c => new ClientLane(c), StringComparer.Ordinal);
        describe ??= c => new ClientHost.HostedClient(c.Id, c.Task, Shard: ClientHost.HostedClient.ShardOf(c));
        _roster = new ClientHost.Roster([.. clients.Select(describe)]);
        _store = store;
        Receive<ClientHost.Hello>(_ => Sender.Tell(_roster));
        Receive<ClientHost.Fit>(OnFit);
        Receive<ClientHost.Evaluate>(OnEvaluate);
        Receive<ClientHost.Cancel>(OnCancel);
        Receive<CallEnded>(ended => _calls.Remove(ended.CallId, out var cts) && Dispose(cts));
    }

    public static Props Props(IReadOnlyList<IFederatedClient> clients, WeightStore store, Func<IFederatedClient, ClientHost.HostedClient>? describe = null) =>
        Akka.Actor.Props.Create(() => new ClientHostActor(clients, store, describe));

    protected override void PostStop()
    {
        _stopping.Cancel();
        foreach (var cts in _calls.Values) cts.Dispose();
        _stopping.Dispose();
    }

    // Work the coordinator gave up on stops at its next cancellation check (a training step); queued work never starts.
    private void OnCancel(ClientHost.Cancel cancel)
    {
        if (!_calls.TryGetValue(cancel.CallId, out var cts)) return;
        _log.Info("client {0}: call {1} cancelled by the coordinator", cancel.ClientId, cancel.CallId);
        cts.Cancel();
    }

    /// <summary>A token for one call, cancelled by <see cref="ClientHost.Cancel"/> or when this actor stops; false (and a
    /// failure sent) when a call of that id runs here already.</summary>
    private bool TryBegin(ClientHost.IRequest request, out CancellationToken ct)
    {
        ct = default;
        if (_calls.ContainsKey(request.CallId))
        {
            Sender.Tell(new ClientHost.Failed(request.CallId, $"call {request.CallId} is already running on {Self.Path.Address}"));
            return false;
        }
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        _calls[request.CallId] = cts;
        ct = cts.Token;
        return true;
    }

    private static bool Dispose(CancellationTokenSource cts)
    {
        cts.Dispose();
        return true;
    }

    private void OnFit(ClientHost.Fit fit)
    {
        if (!TryLane(fit, out var lane) || !TryBegin(fit, out var ct)) return;
        var global = Global(fit.Global);
        var store = _store;
        Reply(fit, Start(async () =>
        {
            var weights = await global.ConfigureAwait(false);
            var result = await lane.Call(c => c.Fit(new FitIns(fit.Round, fit.Phase, weights, fit.Config), ct), ct).ConfigureAwait(false);
            // The coordinator fetches a client's result before it asks that client again: only the latest is kept.
            var offered = store.Offer(ResultSlot(fit.ClientId), result.Weights);
            return (ClientHost.IReply)new ClientHost.Fitted(fit.CallId, result.Round, offered, result.NumExamples, result.Metrics);
        }));
    }

    private void OnEvaluate(ClientHost.Evaluate evaluate)
    {
        if (!TryLane(evaluate, out var lane) || !TryBegin(evaluate, out var ct)) return;
        var global = Global(evaluate.Global);
        Reply(evaluate, Start(async () =>
        {
            var weights = await global.ConfigureAwait(false);
            var result = await lane.Call(c => c.Evaluate(new EvaluateIns(evaluate.Round, evaluate.Phase, weights, evaluate.Config), ct), ct)
                .ConfigureAwait(false);
            return (ClientHost.IReply)new ClientHost.Evaluated(evaluate.CallId, result.Round, result.NumExamples, result.Metrics);
        }));
    }

    private bool TryLane(ClientHost.IRequest request, out ClientLane lane)
    {
        if (_clients.TryGetValue(request.ClientId, out lane!)) return true;
        Sender.Tell(new ClientHost.Failed(request.CallId, $"client '{request.ClientId}' is not hosted on {Self.Path.Address}"));
        return false;
    }

    private void Reply(ClientHost.IRequest request, Task<ClientHost.IReply> work)
    {
        var log = _log;
        var self = Self;
        var stopping = _stopping.Token;
        var address = Self.Path.Address;
        work.PipeTo(Sender, Self, failure: e =>
        {
            var cause = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerException! : e;
            if (cause is OperationCanceledException)
            {
                // Either the coordinator gave up on the call, or this node is going away: say which.
                return new ClientHost.Failed(request.CallId, stopping.IsCancellationRequested
                    ? $"cancelled: client node {address} is shutting down"
                    : "cancelled");
            }
            log.Warning("client {0}: call {1} failed: {2}", request.ClientId, request.CallId, cause.Message);
            return new ClientHost.Failed(request.CallId, $"{cause.GetType().Name}: {cause.Message}");
        });
        work.ContinueWith(_ => self.Tell(new CallEnded(request.CallId)), TaskScheduler.Default);
    }

    internal static string ResultSlot(string clientId) => "result/" + clientId;

    private static Task<ClientHost.IReply> Start(Func<Task<ClientHost.IReply>> work) => work();

    // One fetch per global snapshot, shared by every client of the node.
    private Task<ModelWeights> Global(WeightRef reference)
    {
        if (_globals.TryGetValue(reference.Hash, out var known) && !known.IsFaulted && !known.IsCanceled) return known;
        var fetch = _store.FetchAsync(reference, _stopping.Token);
        if (!_globals.ContainsKey(reference.Hash)) _globalAge.Enqueue(reference.Hash);
        _globals[reference.Hash] = fetch;
        while (_globalAge.Count > GlobalsKept) _globals.Remove(_globalAge.Dequeue());
        return fetch;
    }

    /// <summary>One hosted client: its calls run one at a time, each on a thread of its own (training blocks).</summary>
    private sealed class ClientLane(IFederatedClient client)
    {
        private readonly SemaphoreSlim _turn = new(1, 1);

        /// <summary>Runs <paramref name="call"/> after the client's calls before it; a call cancelled while it waits never runs.</summary>
        public async Task<T> Call<T>(Func<IFederatedClient, T> call, CancellationToken ct)
        {
            await _turn.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                ct.ThrowIfCancellationRequested();
                return await Task.Factory.StartNew(() => call(client), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                    .ConfigureAwait(false);
            }
            finally
            {
                _turn.Release();
            }
        }
    }

    private sealed record CallEnded(long CallId);
}
