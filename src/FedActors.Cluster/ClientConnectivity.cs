using System.Collections.Concurrent;

namespace FedActors.Cluster;

/// <summary>
/// Which remote clients can be reached now: the coordinator's <see cref="ClientDirectoryActor"/> writes it as nodes
/// answer and go, and each <see cref="RemoteClientProxy"/> reads it (<see cref="RemoteClientProxy.IsConnected"/>), so
/// that rounds sample only connected clients. Thread-safe.
/// </summary>
public sealed class ClientConnectivity
{
    private readonly ConcurrentDictionary<string, byte> _connected = new(StringComparer.Ordinal);

    public bool IsConnected(string clientId) => _connected.ContainsKey(clientId);

    internal void Connected(string clientId) => _connected[clientId] = 0;

    internal void Disconnected(string clientId) => _connected.TryRemove(clientId, out _);
}
