using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace FedActors.Cluster;

/// <summary>Local protocol of <see cref="ClientDirectoryActor"/> (never crosses nodes).</summary>
public static class ClientDirectory
{
    /// <summary>Replies <see cref="Ready"/> once at least <paramref name="Min"/> clients are known, or a failure at <paramref name="Timeout"/>.</summary>
    public sealed record AwaitClients(int Min, TimeSpan Timeout);

    /// <summary>The clients known now, ordered by id.</summary>
    public sealed record Ready(IReadOnlyList<ClientHost.HostedClient> Clients);

    /// <summary>Routes <paramref name="Request"/> to the node hosting its client; the reply is a <see cref="ClientHost.IReply"/>.</summary>
    public sealed record Call(ClientHost.IRequest Request);

    /// <summary>The caller gave up on call <paramref name="CallId"/>: the node that runs it is told to stop; no reply.</summary>
    public sealed record Cancel(long CallId);

    /// <summary>
    /// From now on, a client is accepted only if <paramref name="Refusal"/> returns null for it; otherwise it is
    /// ignored (not connected, never called) and the reason logged. Applies to the clients known already as well.
    /// </summary>
    public sealed record Admit(Func<ClientHost.HostedClient, string?> Refusal);
}

/// <summary>
/// The coordinator's view of the remote clients: finds client nodes through cluster membership (role
/// <c>client</c>), asks each for its roster, routes calls to the node that hosts the client, and fails a node's
/// pending calls as soon as it is unreachable or gone, so that a round records the failure instead of waiting for
/// its deadline. A node that comes back (reachable again, or restarted) is asked for its roster again. Keeps
/// <see cref="ClientConnectivity"/> up to date for the proxies.
/// </summary>
public sealed class ClientDirectoryActor : ReceiveActor, IWithTimers
{
    public const string Name = "fedactors-client-directory";
    private const string HelloTimer = "hello";
    private static readonly TimeSpan HelloEvery = TimeSpan.FromSeconds(1);

    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<Address> _unanswered = [];
    private readonly Dictionary<Address, (IActorRef Host, IReadOnlyList<ClientHost.HostedClient> Clients)> _nodes = [];
    private readonly Dictionary<string, Address> _hostOf = new(StringComparer.Ordinal);
    private readonly PendingCalls _pending = new();
    private readonly List<(long Id, int Min, IActorRef ReplyTo)> _waiters = [];
    private readonly ClientConnectivity _connectivity;
    private Func<ClientHost.HostedClient, string?>? _refusal;
    private long _waiterIds;

    public ClientDirectoryActor(ClientConnectivity connectivity)
    {
        _connectivity = connectivity;
        Receive<ClusterEvent.MemberUp>(up => Found(up.Member));
        Receive<ClusterEvent.ReachableMember>(back => Found(back.Member));
        Receive<ClusterEvent.UnreachableMember>(lost => Lost(lost.Member.Address, "is unreachable"));
        Receive<ClusterEvent.MemberRemoved>(gone => Lost(gone.Member.Address, "left the cluster"));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<Terminated>(t => Lost(t.ActorRef.Path.Address, "stopped hosting clients"));
        Receive<SayHello>(_ => SayHelloToUnanswered());
        Receive<ClientHost.Roster>(OnRoster);
        Receive<ClientDirectory.AwaitClients>(OnAwait);
        Receive<WaitExpired>(OnWaitExpired);
        Receive<ClientDirectory.Call>(OnCall);
        Receive<ClientDirectory.Cancel>(OnCancel);
        Receive<ClientDirectory.Admit>(OnAdmit);
        Receive<ClientHost.IReply>(OnReply);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ClientConnectivity connectivity) => Akka.Actor.Props.Create(() => new ClientDirectoryActor(connectivity));

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        foreach (var (id, replyTo) in _pending.RemoveAll()) replyTo.Tell(new ClientHost.Failed(id, "the coordinator's client directory stopped"));
    }

    private int KnownClients => _hostOf.Count;

    private void Found(Member member)
    {
        if (!member.HasRole(ClusterSettings.ClientRole) || member.Status != MemberStatus.Up) return;
        if (_nodes.ContainsKey(member.Address)) return;
        _unanswered.Add(member.Address);
        SayHelloToUnanswered();
    }

    // Until a node has answered, ask it again every second: its host actor may not have started yet.
    private void SayHelloToUnanswered()
    {
        foreach (var node in _unanswered)
            Context.ActorSelection(new RootActorPath(node) / "user" / ClientHostActor.Name).Tell(ClientHost.Hello.Instance);
        if (_unanswered.Count > 0) Timers.StartSingleTimer(HelloTimer, SayHello.Instance, HelloEvery);
    }

    private void OnRoster(ClientHost.Roster roster)
    {
        var node = Sender.Path.Address;
        if (!_unanswered.Remove(node) && _nodes.ContainsKey(node)) return;
        var accepted = new List<ClientHost.HostedClient>();
        foreach (var client in roster.Clients)
        {
            if (_refusal?.Invoke(client) is { } refused)
            {
                _log.Warning("client {0} on {1} refused: {2}", client.Id, node, refused);
                continue;
            }
            if (_hostOf.TryAdd(client.Id, node))
            {
                accepted.Add(client);
                _connectivity.Connected(client);
            }
            else
            {
                _log.Warning("client {0} on {1} ignored: {2} hosts a client of that id already", client.Id, node, _hostOf[client.Id]);
            }
        }
        _nodes[node] = (Sender, accepted);
        Context.Watch(Sender);
        _log.Info("{0} hosts {1} client(s): {2}; {3} known", node, accepted.Count, string.Join(", ", accepted.Select(c => c.Id)), KnownClients);
        ReleaseWaiters();
    }

    // Known clients are checked too: one may have joined since the caller last looked.
    private void OnAdmit(ClientDirectory.Admit admit)
    {
        _refusal = admit.Refusal;
        foreach (var (node, (host, clients)) in _nodes.ToList())
        {
            var kept = new List<ClientHost.HostedClient>();
            foreach (var client in clients)
            {
                if (admit.Refusal(client) is not { } refused)
                {
                    kept.Add(client);
                    continue;
                }
                _hostOf.Remove(client.Id);
                _connectivity.Disconnected(client.Id);
                _log.Warning("client {0} on {1} refused: {2}", client.Id, node, refused);
            }
            _nodes[node] = (host, kept);
        }
    }

    private void Lost(Address node, string why)
    {
        _unanswered.Remove(node);
        if (_nodes.Remove(node, out var entry))
        {
            Context.Unwatch(entry.Host);
            foreach (var client in entry.Clients)
            {
                _hostOf.Remove(client.Id);
                _connectivity.Disconnected(client.Id);
            }
            _log.Warning("{0} {1}: its {2} client(s) are unavailable", node, why, entry.Clients.Count);
        }
        foreach (var (id, replyTo) in _pending.RemoveNode(node)) replyTo.Tell(new ClientHost.Failed(id, $"client node {node} {why}"));
    }

    private void OnAwait(ClientDirectory.AwaitClients wait)
    {
        if (KnownClients >= wait.Min)
        {
            Sender.Tell(new ClientDirectory.Ready(Snapshot()));
            return;
        }
        var id = ++_waiterIds;
        _waiters.Add((id, wait.Min, Sender));
        Timers.StartSingleTimer(("wait", id), new WaitExpired(id, wait.Min, wait.Timeout), wait.Timeout);
    }

    private void OnWaitExpired(WaitExpired expired)
    {
        var index = _waiters.FindIndex(w => w.Id == expired.Id);
        if (index < 0) return;
        _waiters[index].ReplyTo.Tell(new Status.Failure(new TimeoutException(
            $"{KnownClients} of the {expired.Min} clients needed (fedactors.cluster.min-clients) joined within {expired.Timeout}")));
        _waiters.RemoveAt(index);
    }

    private void ReleaseWaiters()
    {
        foreach (var waiter in _waiters.Where(w => KnownClients >= w.Min).ToList())
        {
            waiter.ReplyTo.Tell(new ClientDirectory.Ready(Snapshot()));
            Timers.Cancel(("wait", waiter.Id));
            _waiters.Remove(waiter);
        }
    }

    private List<ClientHost.HostedClient> Snapshot() =>
        [.. _nodes.Values.SelectMany(n => n.Clients).OrderBy(c => c.Id, StringComparer.Ordinal)];

    private void OnCall(ClientDirectory.Call call)
    {
        var request = call.Request;
        if (!_hostOf.TryGetValue(request.ClientId, out var node))
        {
            Sender.Tell(new ClientHost.Failed(request.CallId, $"client '{request.ClientId}' is not connected (its node is down or has not joined)"));
            return;
        }
        if (!_pending.Add(request.CallId, node, Sender, request.ClientId))
        {
            Sender.Tell(new ClientHost.Failed(request.CallId, $"call id {request.CallId} is already pending"));
            return;
        }
        _nodes[node].Host.Tell(request);
    }

    // The node stops the work; its reply, should one still come, goes nowhere.
    private void OnCancel(ClientDirectory.Cancel cancel)
    {
        if (_pending.Abandon(cancel.CallId) is not { } call) return;
        if (_nodes.TryGetValue(call.Node, out var node)) node.Host.Tell(new ClientHost.Cancel(cancel.CallId, call.ClientId));
    }

    // A reply counts only from the node its call went to (PendingCalls).
    private void OnReply(ClientHost.IReply reply)
    {
        var (replyTo, refused) = _pending.Complete(reply.CallId, Sender.Path.Address);
        if (replyTo is null)
        {
            _log.Warning("ignoring a {0} for call {1} from {2}: {3}", reply.GetType().Name, reply.CallId, Sender.Path.Address, refused);
            return;
        }
        replyTo.Tell(reply);
    }

    private sealed class SayHello
    {
        public static SayHello Instance { get; } = new();
        private SayHello() { }
    }

    private sealed record WaitExpired(long Id, int Min, TimeSpan Timeout);
}
