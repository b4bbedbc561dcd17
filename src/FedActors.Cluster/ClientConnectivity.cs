using System.Collections.Concurrent;

namespace FedActors.Cluster;

/// <summary>
/// Which remote clients can be reached now: the coordinator's <see cref="ClientDirectoryActor"/> writes it as nodes
/// answer and go, and each <see cref="RemoteClientProxy"/> reads it (<see cref="RemoteClientProxy.IsConnected"/>), so
/// that rounds sample only connected clients. Thread-safe.
/// </summary>
public sealed class ClientConnectivity
{
    private readonly ConcurrentDictionary<string, ClientHost.HostedClient> _connected = new(StringComparer.Ordinal);

    public bool IsConnected(string clientId) => _connected.ContainsKey(clientId);

    /// <summary>What the client's node announced of it when it joined, while it is connected; null otherwise.</summary>
    public ClientHost.HostedClient? Announced(string clientId) => _connected.GetValueOrDefault(clientId);

    internal void Connected(ClientHost.HostedClient client) => _connected[client.Id] = client;

    internal void Disconnected(string clientId) => _connected.TryRemove(clientId, out _);
}
