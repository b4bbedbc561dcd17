using Akka.Actor;
using FedActors.Core;

namespace FedActors.Cluster;

/// <summary>The coordinator node's entry point: the remote clients to pass to <c>Experiment.RunAsync</c>.</summary>
public static class ClusterCoordinator
{
    /// <summary>
    /// Waits until client nodes in the cluster host at least <paramref name="min"/> clients, then returns a
    /// <see cref="RemoteClientProxy"/> for each client known at that moment, ordered by id. A client whose node
    /// leaves later is not connected (rounds do not sample it; a call in flight fails at once); when the node comes
    /// back its clients answer again through the same proxies. For clients expected to join later, make proxies with
    /// <see cref="Proxy"/>.
    /// </summary>
    /// <exception cref="TimeoutException">Fewer than <paramref name="min"/> clients joined within <paramref name="timeout"/>.</exception>
    public static async Task<IReadOnlyList<IFederatedClient>> WaitForClientsAsync(
        ActorSystem system, int min, TimeSpan timeout, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentOutOfRangeException.ThrowIfLessThan(min, 1);
        var node = FedActorsNode.Get(system);
        var ready = await node.Directory
            .Ask<ClientDirectory.Ready>(new ClientDirectory.AwaitClients(min, timeout), Timeout.InfiniteTimeSpan, ct)
            .ConfigureAwait(false);
        return [.. ready.Clients.Select(c => new RemoteClientProxy(node.Directory, node.Store, c, node.Connectivity))];
    }

    /// <summary>
    /// A proxy for <paramref name="client"/>, whether or not its node has joined yet: until it has (and while it is
    /// gone) the client is not connected, so rounds leave it out and count it as unavailable.
    /// </summary>
    public static RemoteClientProxy Proxy(ActorSystem system, ClientHost.HostedClient client)
    {
        ArgumentNullException.ThrowIfNull(system);
        var node = FedActorsNode.Get(system);
        return new RemoteClientProxy(node.Directory, node.Store, client, node.Connectivity);
    }

    /// <summary>
    /// Makes the directory refuse every client, known already or announced later, for which <paramref name="refusal"/>
    /// returns a reason (a client of another experiment, say): it is not connected and never called.
    /// </summary>
    public static void Admit(ActorSystem system, Func<ClientHost.HostedClient, string?> refusal)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(refusal);
        FedActorsNode.Get(system).Directory.Tell(new ClientDirectory.Admit(refusal));
    }

    /// <summary>As above with <c>fedactors.cluster.min-clients</c> (0 counts as 1) and <c>wait-for-clients</c> of the system's config.</summary>
    public static Task<IReadOnlyList<IFederatedClient>> WaitForClientsAsync(ActorSystem system, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        var settings = FedActorsNode.Get(system).Settings;
        return WaitForClientsAsync(system, Math.Max(1, settings.MinClients), settings.WaitForClients, ct);
    }
}

/// <summary>A client node's entry point.</summary>
public static class ClientNode
{
    /// <summary>
    /// Serves <paramref name="clients"/> (built by the composition layer, with their local data) to the coordinator;
    /// their ids must be unique across the cluster. Call once per node. Returns the host actor; the clients stay
    /// served until the system terminates. <paramref name="describe"/> says what the coordinator learns of each client
    /// (<see cref="RemoteClientProxy.Hosted"/>); by default its id and task.
    /// </summary>
    public static IActorRef Host(
        ActorSystem system, IReadOnlyList<IFederatedClient> clients, Func<IFederatedClient, ClientHost.HostedClient>? describe = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(clients);
        if (clients.Count == 0) throw new ArgumentException("a client node needs at least one client", nameof(clients));
        var duplicate = clients.GroupBy(c => c.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"two clients share the id '{duplicate.Key}'", nameof(clients));
        if (describe is not null)
        {
            var mismatch = clients.FirstOrDefault(c => describe(c) is var d && (d.Id != c.Id || d.Task != c.Task));
            if (mismatch is not null) throw new ArgumentException($"the description of client '{mismatch.Id}' names another id or task", nameof(describe));
        }
        return system.ActorOf(ClientHostActor.Props(clients, FedActorsNode.Get(system).Store, describe), ClientHostActor.Name);
    }
}
