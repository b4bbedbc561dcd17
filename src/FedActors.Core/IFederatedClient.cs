namespace FedActors.Core;

/// <summary>
/// The training side of one federated client, as the engine sees it. Implementations are synchronous
/// and run on a trainer thread, never on an actor's thread (TorchSharp dispose scopes are thread-local).
/// The engine calls at most one method of one client at a time.
/// </summary>
public interface IFederatedClient
{
    /// <summary>Stable id; updates are aggregated in ordinal order of it.</summary>
    string Id { get; }

    /// <summary>The client's task (label space). Heads are aggregated only among clients of one task.</summary>
    string Task { get; }

    FitRes Fit(FitIns instructions, CancellationToken cancellation);

    EvaluateRes Evaluate(EvaluateIns instructions, CancellationToken cancellation);
}
