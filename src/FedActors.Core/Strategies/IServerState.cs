namespace FedActors.Core.Strategies;

/// <summary>
/// A strategy that keeps state on the server from round to round (a server optimiser's moments, its step counts).
/// The checkpoint saves it beside the global weights, so a resumed run continues with the same bits.
/// <para>
/// <see cref="SaveState"/> returns a snapshot that later rounds do not change; saving it, loading it into a fresh
/// strategy of the same kind and parameters, and saving again gives the same tensors (float32 bits, in the same order).
/// A fresh strategy's state (often empty: state is created for a tensor the first time it is updated) is valid to load.
/// </para>
/// <para>
/// <see cref="LoadState"/> replaces the whole state. It refuses, with an <see cref="ArgumentException"/> naming the
/// tensor, a state it cannot have saved: an unknown tensor, a part missing, parts of one tensor with different shapes,
/// or a shape other than the one it already holds for that tensor. A loaded state whose shapes differ from the model's
/// is refused, naming the tensor, by the next aggregation that reaches that tensor (the strategy does not know the model before).
/// </para>
/// </summary>
public interface IServerState
{
    /// <summary>The state to checkpoint: a copy, unaffected by later rounds.</summary>
    ModelWeights SaveState();

    /// <summary>Replaces the state by <paramref name="state"/> (copied: later rounds never write into its arrays).</summary>
    void LoadState(ModelWeights state);
}
