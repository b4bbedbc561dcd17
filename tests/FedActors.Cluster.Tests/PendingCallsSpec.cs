using Akka.Actor;

namespace FedActors.Cluster.Tests;

/// <summary>The coordinator's pending calls: a reply is taken only from the node its call went to.</summary>
public sealed class PendingCallsSpec
{
    private static readonly Address NodeA = new("akka.tcp", "fedactors", "10.0.0.2", 4053);
    private static readonly Address NodeB = new("akka.tcp", "fedactors", "10.0.0.3", 4053);

    [Fact]
    public void Pending_calls_must_take_a_reply_only_from_the_node_the_call_went_to()
    {
        var calls = new PendingCalls();
        Assert.True(calls.Add(42, NodeA, ActorRefs.Nobody));

        var (forged, why) = calls.Complete(42, NodeB);
        Assert.Null(forged);
        Assert.Contains("went to", why, StringComparison.Ordinal);
        Assert.Equal(1, calls.Count); // the real reply is still awaited

        var (unknown, whyUnknown) = calls.Complete(43, NodeA);
        Assert.Null(unknown);
        Assert.Contains("no such call", whyUnknown, StringComparison.Ordinal);

        Assert.Same(ActorRefs.Nobody, calls.Complete(42, NodeA).ReplyTo);
        Assert.Equal(0, calls.Count);
        Assert.Null(calls.Complete(42, NodeA).ReplyTo); // answered once only
    }

    [Fact]
    public void Pending_calls_must_end_a_lost_nodes_calls_only()
    {
        var calls = new PendingCalls();
        calls.Add(1, NodeA, ActorRefs.Nobody);
        calls.Add(2, NodeB, ActorRefs.Nobody);
        calls.Add(3, NodeA, ActorRefs.Nobody);
        Assert.False(calls.Add(3, NodeB, ActorRefs.Nobody));

        Assert.Equal([1L, 3L], calls.RemoveNode(NodeA).Select(c => c.CallId).Order());
        Assert.Equal([2L], calls.RemoveAll().Select(c => c.CallId));
    }

    [Fact]
    public void Call_ids_must_not_be_guessable_from_the_ones_a_node_has_seen()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => RemoteClientProxy.NextCallId()).ToList();
        Assert.All(ids, id => Assert.True(id > 0));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        // Sequential ids would put the next one at the last plus one; random ones spread over 63 bits.
        Assert.True(ids.Zip(ids.Skip(1)).Count(p => Math.Abs(p.Second - p.First) < 1_000_000) < 5, "call ids follow each other closely");
        Assert.True(ids.Count(id => id > long.MaxValue / 2) > 4_000, "call ids do not cover the 63-bit range");
    }
}
