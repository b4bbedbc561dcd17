using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedActors.Learning.Training;

/// <summary>Builds a phase's optimiser.</summary>
public static class Optimizers
{
    /// <param name="parameters">What the optimiser updates.</param>
    /// <param name="phase">Which optimiser, with its momentum and weight decay.</param>
    /// <param name="learningRate">The base rate of the first step (a schedule sets it before each step).</param>
    /// <param name="rateScales">
    /// A factor per parameter on the base rate (PyTorch's parameter groups with their own <c>lr</c>); null = 1 for every
    /// one. Weight decay follows the scaled rate, as it does in a PyTorch group.
    /// </param>
    /// <param name="decayAnchors">
    /// Per parameter, the point its weight decay pulls it toward (L2-SP: the pre-trained weights), or null for zero (plain
    /// weight decay); null = zero for every one. An anchor has the parameter's shape and type; the caller owns it and keeps
    /// it alive for the optimiser's life.
    /// </param>
    public static LocalOptimizer Create(
        IEnumerable<Parameter> parameters, PhaseSettings phase, double learningRate, IReadOnlyList<double>? rateScales = null,
        IReadOnlyList<Tensor?>? decayAnchors = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(phase);
        var list = parameters.ToList();
        if (list.Count == 0) throw new ArgumentException("nothing to optimise: no trainable parameters");
        var scales = rateScales?.ToArray() ?? [.. Enumerable.Repeat(1.0, list.Count)];
        if (scales.Length != list.Count)
            throw new ArgumentException($"{scales.Length} learning-rate scales for {list.Count} parameters", nameof(rateScales));
        if (scales.Any(s => !(s >= 0) || double.IsInfinity(s)))
            throw new ArgumentException("learning-rate scales must be finite and non-negative", nameof(rateScales));
        var anchors = decayAnchors?.ToArray() ?? new Tensor?[list.Count];
        if (anchors.Length != list.Count)
            throw new ArgumentException($"{anchors.Length} weight-decay anchors for {list.Count} parameters", nameof(decayAnchors));
        for (var i = 0; i < list.Count; i++)
        {
            if (anchors[i] is { } anchor && (!anchor.shape.SequenceEqual(list[i].shape) || anchor.dtype != list[i].dtype))
                throw new ArgumentException(
                    $"weight-decay anchor {i} is {anchor.dtype} [{string.Join(", ", anchor.shape)}], its parameter {list[i].dtype} [{string.Join(", ", list[i].shape)}]",
                    nameof(decayAnchors));
        }
        return phase.Optimizer switch
        {
            OptimizerKind.Sgd => new SgdOptimizer(list, scales, anchors, learningRate, phase.Momentum, phase.WeightDecay),
            OptimizerKind.Adam => new AdamOptimizer(list, scales, anchors, learningRate, phase.WeightDecay, decoupledWeightDecay: false),
            OptimizerKind.AdamW => new AdamOptimizer(list, scales, anchors, learningRate, phase.WeightDecay, decoupledWeightDecay: true),
            _ => throw new ArgumentOutOfRangeException(nameof(phase), phase.Optimizer, "unknown optimizer"),
        };
    }

    /// <summary>
    /// One training step after the forward pass: zero the gradients, back-propagate <paramref name="loss"/>, update.
    /// With <paramref name="mixed"/> the optimiser is over its float32 masters (<see cref="MixedPrecision"/>); a float16
    /// step whose gradients overflowed is skipped. Returns whether the parameters were updated.
    /// </summary>
    public static bool BackwardAndStep(LocalOptimizer optimizer, Tensor loss, MixedPrecision? mixed = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        optimizer.ZeroGrad();
        if (mixed is null)
        {
            loss.backward();
            optimizer.Step();
            return true;
        }
        mixed.Backward(loss);
        if (!mixed.TakeGradients()) return false;
        optimizer.Step();
        mixed.AfterStep();
        return true;
    }
}

/// <summary>
/// The optimisers a client runs for one fit (state is local to the fit). They follow PyTorch's update rules
/// (<c>torch.optim.SGD</c>, <c>Adam</c>, <c>AdamW</c>, default betas and eps) but pass libtorch only
/// <see cref="RootedScalars"/> or Scalars held by a <c>using</c> until the op has returned: TorchSharp 0.107's
/// own optimisers build every coefficient as a temporary Scalar that the finalizer may free mid-op
/// (see <see cref="RootedScalars"/>).
/// </summary>
public abstract class LocalOptimizer : IDisposable
{
    private readonly List<Parameter> _parameters;
    private readonly double[] _rateScales;
    private readonly Tensor?[] _decayAnchors;
    private bool _disposed;

    private protected LocalOptimizer(IReadOnlyList<Parameter> parameters, IReadOnlyList<double> rateScales, IReadOnlyList<Tensor?> decayAnchors, double learningRate)
    {
        _parameters = [.. parameters];
        _rateScales = [.. rateScales];
        _decayAnchors = [.. decayAnchors];
        LearningRate = learningRate;
    }

    /// <summary>What weight decay pulls parameter <paramref name="index"/> toward: its anchor, or null for zero.</summary>
    protected Tensor? AnchorOf(int index) => _decayAnchors[index];

    /// <summary>The L2 term's gradient <c>decay · (p − anchor)</c> added to <paramref name="grad"/> (anchor null: zero).</summary>
    private protected Tensor WithDecayGradient(Tensor grad, int index, double decay)
    {
        var p = _parameters[index];
        var offset = AnchorOf(index) is { } anchor ? p.sub(anchor) : p;
        return grad.add(offset, RootedScalars.Of(decay));
    }

    /// <summary>The learning rate of parameter <paramref name="index"/> in the next step: the base rate times its scale.</summary>
    protected double RateOf(int index) => LearningRate * _rateScales[index];

    /// <summary>Learning rate of the next <see cref="Step"/>; a schedule sets it before each step.</summary>
    public double LearningRate { get; set; }

    protected IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Drops the gradients of all parameters.</summary>
    public void ZeroGrad()
    {
        // The scope holds each grad wrapper until its op has returned (and then frees the wrapper).
        using var scope = NewDisposeScope();
        foreach (var p in _parameters)
        {
            var grad = p.grad;
            if (grad is null) continue;
            grad.detach_().zero_();
        }
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!(LearningRate >= 0) || double.IsInfinity(LearningRate))
            throw new InvalidOperationException($"learning rate must be a non-negative number, got {LearningRate}");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        StepCore();
    }

    private protected abstract void StepCore();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DisposeState();
        GC.SuppressFinalize(this);
    }

    private protected abstract void DisposeState();
}

/// <summary>
/// SGD with optional momentum (no dampening) and L2 weight decay, as <c>torch.optim.SGD</c>; decay toward an anchor where
/// one is given.
/// </summary>
internal sealed class SgdOptimizer : LocalOptimizer
{
    private readonly double _momentum;
    private readonly double _weightDecay;
    private readonly Tensor?[] _buffers;

    public SgdOptimizer(IReadOnlyList<Parameter> parameters, IReadOnlyList<double> rateScales, IReadOnlyList<Tensor?> decayAnchors, double learningRate, double momentum, double weightDecay)
        : base(parameters, rateScales, decayAnchors, learningRate)
    {
        _momentum = momentum;
        _weightDecay = weightDecay;
        _buffers = new Tensor?[parameters.Count];
    }

    private protected override void StepCore()
    {
        for (var i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            var grad = p.grad;
            if (grad is null) continue;
            using var minusLr = (-RateOf(i)).ToScalar();
            var direction = _weightDecay != 0 ? WithDecayGradient(grad, i, _weightDecay) : grad;
            if (_momentum != 0)
            {
                if (_buffers[i] is null) _buffers[i] = direction.clone().DetachFromDisposeScope();
                else _buffers[i]!.mul_(RootedScalars.Of(_momentum)).add_(direction, RootedScalars.One);
                direction = _buffers[i]!;
            }
            p.add_(direction, minusLr);
        }
    }

    private protected override void DisposeState()
    {
        foreach (var buffer in _buffers) buffer?.Dispose();
    }
}

/// <summary>
/// Adam (L2 weight decay in the gradient) or AdamW (decoupled decay), as <c>torch.optim.Adam(W)</c>; decay toward an
/// anchor where one is given (L2-SP, Li et al. 2018, decoupled for AdamW).
/// </summary>
internal sealed class AdamOptimizer : LocalOptimizer
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    private readonly double _weightDecay;
    private readonly bool _decoupled;
    private readonly Tensor?[] _firstMoments;
    private readonly Tensor?[] _secondMoments;
    private long _step;

    public AdamOptimizer(IReadOnlyList<Parameter> parameters, IReadOnlyList<double> rateScales, IReadOnlyList<Tensor?> decayAnchors, double learningRate, double weightDecay, bool decoupledWeightDecay)
        : base(parameters, rateScales, decayAnchors, learningRate)
    {
        _weightDecay = weightDecay;
        _decoupled = decoupledWeightDecay;
        _firstMoments = new Tensor?[parameters.Count];
        _secondMoments = new Tensor?[parameters.Count];
    }

    private protected override void StepCore()
    {
        _step++;
        var biasCorrection1 = 1 - Math.Pow(Beta1, _step);
        var biasCorrection2 = 1 - Math.Pow(Beta2, _step);
        using var secondScale = Math.Sqrt(biasCorrection2).ToScalar();
        for (var i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            var grad = p.grad;
            if (grad is null) continue;
            var rate = RateOf(i);
            using var decay = (1 - rate * _weightDecay).ToScalar();
            using var pull = (rate * _weightDecay).ToScalar();
            using var minusStepSize = (-rate / biasCorrection1).ToScalar();
            if (_weightDecay != 0)
            {
                if (_decoupled)
                {
                    // p ← p − rate·λ·(p − anchor): toward zero without an anchor, as AdamW.
                    p.mul_(decay);
                    if (AnchorOf(i) is { } anchor) p.add_(anchor, pull);
                }
                else grad = WithDecayGradient(grad, i, _weightDecay);
            }
            var m = _firstMoments[i] ??= zeros_like(p).DetachFromDisposeScope();
            var v = _secondMoments[i] ??= zeros_like(p).DetachFromDisposeScope();
            m.mul_(RootedScalars.Of(Beta1)).add_(grad, RootedScalars.Of(1 - Beta1));
            v.mul_(RootedScalars.Of(Beta2)).addcmul_(grad, grad, RootedScalars.Of(1 - Beta2));
            var denominator = v.sqrt().div_(secondScale).add_(RootedScalars.Of(Epsilon), RootedScalars.One);
            p.addcdiv_(m, denominator, minusStepSize);
        }
    }

    private protected override void DisposeState()
    {
        foreach (var t in _firstMoments) t?.Dispose();
        foreach (var t in _secondMoments) t?.Dispose();
    }
}
