namespace FedActors.Core;

/// <summary>
/// A client that knows whether it can be reached right now, such as a remote client whose node has joined and is
/// up. The coordinator samples a round's participants only among connected clients, counts the others as
/// unavailable (not failed), and asks only connected clients to evaluate; a client that connects later takes part
/// from the next round on. Clients that do not implement it are always connected. Read on the coordinator's
/// thread at the start of each round: keep it cheap and thread-safe.
/// </summary>
public interface IConnectedClient : IFederatedClient
{
    bool IsConnected { get; }
}
