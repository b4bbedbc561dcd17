namespace FedActors.Core;

/// <summary>
/// A client whose shard size the coordinator knows from the start: an in-process client from its data, a remote one
/// from what its node announced when it joined. The coordinator refuses an update that reports more examples than
/// the shard holds (<see cref="UpdateValidation"/>): FedAvg weighs updates by their self-reported counts, so an
/// unbounded count would let one client take over the global model. Read on the coordinator's thread: keep it cheap.
/// </summary>
public interface IKnownShard : IFederatedClient
{
    /// <summary>How many examples the client trains on in <paramref name="phase"/> (one of <see cref="Phases"/>); 0 = not known.</summary>
    long ShardSize(string phase);
}
