using Akka.Actor;
using FedActors.Core;

namespace FedActors.Cluster;

/// <summary>
/// A client that lives on another node, as the engine sees it: Fit and Evaluate offer the global weights on this
/// node's data plane, send the control message through the coordinator's <see cref="ClientDirectoryActor"/>, wait
/// for the reply and fetch the trained weights from the client node. Runs on the engine's trainer thread (blocking
/// there is what the interface expects). A lost node makes the call throw at once.
/// </summary>
public sealed class RemoteClientProxy : IConnectedClient, IKnownShard
{
    /// <summary>
    /// The coordinator's store slot of the globals its clients fetch. A round's clients fetch the round's global to fit
    /// and the next one to evaluate, which is also the next round's: the last two are all a round can still fetch.
    /// </summary>
    internal const string GlobalsSlot = "globals";

    private readonly IActorRef _directory;
    private readonly WeightStore _store;
    private readonly ClientConnectivity? _connectivity;

    /// <param name="connectivity">Where the directory says which clients are connected; null = always connected.</param>
    public RemoteClientProxy(IActorRef directory, WeightStore store, ClientHost.HostedClient client, ClientConnectivity? connectivity = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(client);
        _directory = directory;
        _store = store;
        _connectivity = connectivity;
        Hosted = client;
    }

    /// <summary>Whether the client's node has joined, answered and is up: rounds sample only connected clients.</summary>
    public bool IsConnected => _connectivity?.IsConnected(Id) ?? true;

    public string Id => Hosted.Id;
    public string Task => Hosted.Task;

    /// <summary>
    /// The shard size its node announced when it joined (or, for a client not connected now, when this proxy was made):
    /// the coordinator refuses an update that reports more examples.
    /// </summary>
    public long ShardSize(string phase) => (_connectivity?.Announced(Id) ?? Hosted).ShardSize(phase);

    /// <summary>What the client's node announced of it.</summary>
    public ClientHost.HostedClient Hosted { get; }

    public FitRes Fit(FitIns instructions, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        var global = _store.Offer(GlobalsSlot, instructions.Global, keep: 2);
        var reply = Call(
            new ClientHost.Fit(NextCallId(), Id, instructions.Round, instructions.Phase, global, instructions.Config), cancellation);
        var fitted = reply as ClientHost.Fitted ?? throw Unexpected(reply);
        // The update stays on the client's node until the coordinator's aggregation is ready for it (FitRes.Pending):
        // the coordinator then holds a few updates at a time, whatever order the nodes answer in.
        return new FitRes(Id, fitted.Round, ModelWeights.Empty, fitted.NumExamples, fitted.Metrics)
        {
            Pending = new PendingRemoteUpdate(_store, fitted.Weights, global.ByteSize, Id),
        };
    }

    public EvaluateRes Evaluate(EvaluateIns instructions, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        var global = _store.Offer(GlobalsSlot, instructions.Global, keep: 2);
        var reply = Call(
            new ClientHost.Evaluate(NextCallId(), Id, instructions.Round, instructions.Phase, global, instructions.Config), cancellation);
        var evaluated = reply as ClientHost.Evaluated ?? throw Unexpected(reply);
        return new EvaluateRes(Id, evaluated.Round, evaluated.NumExamples, evaluated.Metrics);
    }

    public override string ToString() => $"remote client {Id}";

    /// <summary>A random positive 63-bit call id: a node that sees some ids cannot guess another pending one.</summary>
    internal static long NextCallId()
    {
        Span<byte> bytes = stackalloc byte[8];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return Math.Max(1, (long)(BitConverter.ToUInt64(bytes) >> 1));
    }

    private ClientHost.IReply Call(ClientHost.IRequest request, CancellationToken cancellation)
    {
        ClientHost.IReply reply;
        try
        {
            reply = _directory.Ask<ClientHost.IReply>(new ClientDirectory.Call(request), Timeout.InfiniteTimeSpan, cancellation)
                .GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The round gave up (its deadline passed): the client node stops the work rather than finish it for nobody.
            _directory.Tell(new ClientDirectory.Cancel(request.CallId));
            throw;
        }
        return reply is ClientHost.Failed failed ? throw new RemoteClientException(Id, failed.Reason) : reply;
    }

    private RemoteClientException Unexpected(ClientHost.IReply reply) => new(Id, $"unexpected reply {reply.GetType().Name}");
}

/// <summary>
/// A remote client's update on its node's data plane. An update carries some of the global's tensors, never more: a
/// larger one is refused before a byte moves. The node keeps it until that client's next request.
/// </summary>
internal sealed class PendingRemoteUpdate(WeightStore store, WeightRef reference, long maxBytes, string clientId) : IPendingUpdate
{
    public Task<ModelWeights> FetchAsync(CancellationToken cancellation) => store.FetchAsync(reference, maxBytes, cancellation);

    public override string ToString() => $"the update of remote client {clientId} at {reference}";
}

/// <summary>A remote client's call produced no result; <see cref="Exception.Message"/> says why (the round records it).</summary>
public sealed class RemoteClientException(string clientId, string reason) : Exception($"remote client {clientId}: {reason}")
{
    public string ClientId { get; } = clientId;
}
