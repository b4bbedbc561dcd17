using System.Numerics;
using System.Runtime.InteropServices;

namespace FedActors.Core.Strategies;

/// <summary>
/// FedAdam (Reddi et al., ICLR 2021, Algorithm 2; Flower's fedadam.py): server Adam on the FedAvg pseudo-gradient.
/// Per element, in float32 and in this order:
/// <c>d = avg - x; m = beta1 * m + (1 - beta1) * d; v = beta2 * v + (1 - beta2) * (d * d); x' = x + eta_t * m / (sqrt(v) + tau)</c>,
/// with <c>eta_t = eta * sqrt(1 - beta2^t) / (1 - beta1^t)</c> (Adam's bias correction, computed in double and rounded
/// once; <c>t</c> counts this tensor's steps, 1 on its first) or <c>eta_t = eta</c> without bias correction, which is the
/// paper's Algorithm 2 exactly. Flower corrects with <c>t = round + 1</c>, one step late from its first round on; we
/// count per tensor (see <see cref="FedOpt"/>). m and v start at zero (Flower's choice; the paper allows v ≥ tau²).
/// <para>
/// Parameters (<see cref="StrategyFactory"/> name <c>fedadam</c>), Flower's defaults: <c>eta</c> = 0.1 (above 0),
/// <c>beta1</c> = 0.9 and <c>beta2</c> = 0.99 (in [0, 1)), <c>tau</c> = 1e-9 (above 0: it keeps the step finite where
/// v is 0), <c>bias-correction</c> = 1 (0: none, as the paper).
/// </para>
/// </summary>
public sealed class FedAdam : FedOpt
{
    /// <summary>The parameters of <c>fedadam</c>, for <see cref="StrategyFactory"/>.</summary>
    public static new IReadOnlyList<StrategyParameter> Parameters { get; } =
    [
        new("eta", 0.1, "server learning rate") { Minimum = 0, MinimumExcluded = true },
        new("beta1", 0.9, "decay of the first moment m") { Minimum = 0, Maximum = 1, MaximumExcluded = true },
        new("beta2", 0.99, "decay of the second moment v") { Minimum = 0, Maximum = 1, MaximumExcluded = true },
        new("tau", 1e-9, "added to sqrt(v): the degree of adaptivity") { Minimum = 0, MinimumExcluded = true },
        new("bias-correction", 1, "1: Adam's bias correction of eta with each tensor's step count; 0: none (the paper)") { Minimum = 0, Maximum = 1, Integer = true },
    ];

    public FedAdam(double eta = 0.1, double beta1 = 0.9, double beta2 = 0.99, double tau = 1e-9, bool biasCorrection = true)
        : base("m", "v")
    {
        Eta = Parameters[0].Check(eta);
        Beta1 = Parameters[1].Check(beta1);
        Beta2 = Parameters[2].Check(beta2);
        Tau = Parameters[3].Check(tau);
        BiasCorrection = biasCorrection;
    }

    public double Eta { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Tau { get; }
    public bool BiasCorrection { get; }

    public override string Name => "fedadam";

    public override string Description =>
        $"FedAdam (Reddi et al. 2021): server Adam on the FedAvg pseudo-gradient; eta={Format(Eta)}, beta1={Format(Beta1)}, " +
        $"beta2={Format(Beta2)}, tau={Format(Tau)}, bias-correction={(BiasCorrection ? 1 : 0)}";

    /// <summary>The learning rate of a tensor's <paramref name="step"/>-th step, bias-corrected when <see cref="BiasCorrection"/>.</summary>
    public float StepSize(long step) =>
        BiasCorrection ? (float)(Eta * Math.Sqrt(1 - Math.Pow(Beta2, step)) / (1 - Math.Pow(Beta1, step))) : (float)Eta;

    protected override void StepRange(float[] current, float[] average, float[][] slots, long step, int start, int length)
    {
        var b1 = (float)Beta1;
        var c1 = (float)(1 - Beta1);
        var b2 = (float)Beta2;
        var c2 = (float)(1 - Beta2);
        var eta = StepSize(step);
        var tau = (float)Tau;
        float[] m = slots[0], v = slots[1];
        var i = start;
        var end = start + length;
        if (Vector.IsHardwareAccelerated)
        {
            ref var xr = ref MemoryMarshal.GetArrayDataReference(current);
            ref var ar = ref MemoryMarshal.GetArrayDataReference(average);
            ref var mr = ref MemoryMarshal.GetArrayDataReference(m);
            ref var vr = ref MemoryMarshal.GetArrayDataReference(v);
            var width = Vector<float>.Count;
            for (; i + width <= end; i += width)
            {
                var at = (nuint)i;
                var x = Vector.LoadUnsafe(ref xr, at);
                var d = Vector.LoadUnsafe(ref ar, at) - x;
                var mi = b1 * Vector.LoadUnsafe(ref mr, at) + c1 * d;
                var vi = b2 * Vector.LoadUnsafe(ref vr, at) + c2 * (d * d);
                mi.StoreUnsafe(ref mr, at);
                vi.StoreUnsafe(ref vr, at);
                (x + eta * mi / (Vector.SquareRoot(vi) + new Vector<float>(tau))).StoreUnsafe(ref ar, at);
            }
        }
        for (; i < end; i++)
        {
            var x = current[i];
            var d = average[i] - x;
            var mi = b1 * m[i] + c1 * d;
            var vi = b2 * v[i] + c2 * (d * d);
            m[i] = mi;
            v[i] = vi;
            average[i] = x + eta * mi / (MathF.Sqrt(vi) + tau);
        }
    }
}
