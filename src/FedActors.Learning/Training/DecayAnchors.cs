using FedActors.Core;
using FedActors.Learning.Weights;
using static TorchSharp.torch;

namespace FedActors.Learning.Training;

/// <summary>
/// The points a module's weight decay pulls its parameters toward (L2-SP, <see cref="WeightDecayTarget.Pretrained"/>):
/// one detached copy per parameter, by the parameter's name in the module, on the module's device and in its type.
/// </summary>
public sealed class DecayAnchors : IDisposable
{
    private readonly Dictionary<string, Tensor> _anchors;

    private DecayAnchors(Dictionary<string, Tensor> anchors) => _anchors = anchors;

    /// <summary>
    /// Loads <c>prefix.*</c> of <paramref name="weights"/> into <paramref name="module"/> and keeps a copy of every parameter:
    /// the module holds those weights afterwards (import what it should train from next).
    /// </summary>
    public static DecayAnchors Of(nn.Module module, ModelWeights weights, string prefix)
    {
        ArgumentNullException.ThrowIfNull(module);
        StateDict.Import(module, weights, prefix);
        using var noGrad = no_grad();
        return new DecayAnchors(module.named_parameters().ToDictionary(
            p => p.name, p => p.parameter.detach().clone().DetachFromDisposeScope(), StringComparer.Ordinal));
    }

    /// <summary>The anchor of the parameter named <paramref name="name"/>; every parameter of the module has one.</summary>
    public Tensor For(string name) => _anchors.TryGetValue(name, out var anchor)
        ? anchor
        : throw new KeyNotFoundException($"no weight-decay anchor for parameter '{name}'");

    public void Dispose()
    {
        foreach (var anchor in _anchors.Values) anchor.Dispose();
        _anchors.Clear();
    }
}
