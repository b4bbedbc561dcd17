using Akka.Actor;

namespace FedActors.Cluster;

/// <summary>
/// The coordinator's calls to client nodes that await a reply: which node each went to and whom to answer. A reply is
/// taken only from the node its call went to (any member can send a message, and a forged reply would point the
/// coordinator at weights of the forger's choosing); call ids are random (<see cref="RemoteClientProxy"/>), so a forger
/// cannot guess a pending one either. Used on the directory actor's thread only.
/// </summary>
internal sealed class PendingCalls
{
    private readonly Dictionary<long, (Address Node, IActorRef ReplyTo, string ClientId)> _calls = [];

    public int Count => _calls.Count;

    /// <summary>Records a call to <paramref name="node"/> for <paramref name="clientId"/>; false when a call of that id is pending already.</summary>
    public bool Add(long callId, Address node, IActorRef replyTo, string clientId = "") => _calls.TryAdd(callId, (node, replyTo, clientId));

    /// <summary>
    /// The caller gave up on the call: its reply, should the node still send one, goes nowhere (and is not taken for a
    /// forgery). Returns where the call went, or null when it is not pending.
    /// </summary>
    public (Address Node, string ClientId)? Abandon(long callId)
    {
        if (!_calls.TryGetValue(callId, out var call)) return null;
        _calls[callId] = call with { ReplyTo = ActorRefs.Nobody };
        return (call.Node, call.ClientId);
    }

    /// <summary>
    /// Whom to hand a reply of <paramref name="callId"/> that came from <paramref name="from"/>, ending the call; or
    /// null and why not (no such call, or it went to another node: the call stays pending).
    /// </summary>
    public (IActorRef? ReplyTo, string? Refused) Complete(long callId, Address from)
    {
        if (!_calls.TryGetValue(callId, out var call)) return (null, "no such call is pending");
        if (!call.Node.Equals(from)) return (null, $"the call went to {call.Node}");
        _calls.Remove(callId);
        return (call.ReplyTo, null);
    }

    /// <summary>Ends every call pending on <paramref name="node"/>, returning them.</summary>
    public IReadOnlyList<(long CallId, IActorRef ReplyTo)> RemoveNode(Address node)
    {
        var lost = _calls.Where(c => c.Value.Node.Equals(node)).Select(c => (c.Key, c.Value.ReplyTo)).ToList();
        foreach (var (id, _) in lost) _calls.Remove(id);
        return lost;
    }

    /// <summary>Ends every pending call, returning them.</summary>
    public IReadOnlyList<(long CallId, IActorRef ReplyTo)> RemoveAll()
    {
        var all = _calls.Select(c => (c.Key, c.Value.ReplyTo)).ToList();
        _calls.Clear();
        return all;
    }
}
