using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedActors.Learning.Training;

/// <summary>
/// FedProx's proximal term (Li et al., MLSys 2020): (mu/2)·||w − w_global||² over the trained parameters, where w_global
/// is the parameters as the fit began (the global weights the client was sent). Added to every step's loss, it keeps
/// the local model near the global one. Holds a copy of the starting parameters for the length of one fit.
/// </summary>
public sealed class ProximalTerm : IDisposable
{
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly List<Tensor> _anchors;
    private readonly double _halfMu;

    public ProximalTerm(IReadOnlyList<Parameter> parameters, double mu)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(mu >= 0) || double.IsInfinity(mu)) throw new ArgumentOutOfRangeException(nameof(mu), mu, "mu must be finite and 0 or more");
        _parameters = parameters;
        _halfMu = mu / 2;
        using var noGrad = no_grad();
        _anchors = [.. parameters.Select(p => p.detach().clone().DetachFromDisposeScope())];
    }

    /// <summary>The term's value now, a scalar with gradients towards the parameters. Allocates: call it inside a dispose scope.</summary>
    public Tensor Value()
    {
        Tensor? sum = null;
        for (var i = 0; i < _parameters.Count; i++)
        {
            var difference = _parameters[i].sub(_anchors[i]);
            var squares = difference.mul(difference).sum().to(ScalarType.Float32);
            sum = sum is null ? squares : sum.add(squares);
        }
        return sum is null ? zeros([]) : sum.mul(RootedScalars.Of(_halfMu));
    }

    public void Dispose()
    {
        foreach (var anchor in _anchors) anchor.Dispose();
    }
}
