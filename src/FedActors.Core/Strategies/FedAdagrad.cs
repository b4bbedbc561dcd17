using System.Numerics;
using System.Runtime.InteropServices;

namespace FedActors.Core.Strategies;

/// <summary>
/// FedAdagrad (Reddi et al., ICLR 2021, Algorithm 2; Flower's fedadagrad.py): server Adagrad on the FedAvg
/// pseudo-gradient. Per element, in float32 and in this order: <c>d = avg - x; m = beta1 * m + (1 - beta1) * d;
/// v = v + d * d; x' = x + eta * m / (sqrt(v) + tau)</c>. Flower fixes beta1 = 0 (then m = d); the paper's Algorithm 2
/// keeps a momentum for all three methods, so beta1 is a parameter here, 0 by default. m and v start at zero. See
/// <see cref="FedOpt"/> for which tensors step and the state.
/// <para>
/// Parameters (<see cref="StrategyFactory"/> name <c>fedadagrad</c>), Flower's defaults: <c>eta</c> = 0.1 (above 0),
/// <c>beta1</c> = 0 (in [0, 1)), <c>tau</c> = 1e-9 (above 0).
/// </para>
/// </summary>
public sealed class FedAdagrad : FedOpt
{
    /// <summary>The parameters of <c>fedadagrad</c>, for <see cref="StrategyFactory"/>.</summary>
    public static new IReadOnlyList<StrategyParameter> Parameters { get; } =
    [
        new("eta", 0.1, "server learning rate") { Minimum = 0, MinimumExcluded = true },
        new("beta1", 0.0, "decay of the first moment m (0: m is this round's pseudo-gradient)") { Minimum = 0, Maximum = 1, MaximumExcluded = true },
        new("tau", 1e-9, "added to sqrt(v): the degree of adaptivity") { Minimum = 0, MinimumExcluded = true },
    ];

    public FedAdagrad(double eta = 0.1, double beta1 = 0.0, double tau = 1e-9)
        : base("m", "v")
    {
        Eta = Parameters[0].Check(eta);
        Beta1 = Parameters[1].Check(beta1);
        Tau = Parameters[2].Check(tau);
    }

    public double Eta { get; }
    public double Beta1 { get; }
    public double Tau { get; }

    public override string Name => "fedadagrad";

    public override string Description =>
        $"FedAdagrad (Reddi et al. 2021): server Adagrad on the FedAvg pseudo-gradient; eta={Format(Eta)}, beta1={Format(Beta1)}, tau={Format(Tau)}";

    protected override void StepRange(float[] current, float[] average, float[][] slots, long step, int start, int length)
    {
        var b1 = (float)Beta1;
        var c1 = (float)(1 - Beta1);
        var eta = (float)Eta;
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
                var vi = Vector.LoadUnsafe(ref vr, at) + d * d;
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
            var vi = v[i] + d * d;
            m[i] = mi;
            v[i] = vi;
            average[i] = x + eta * mi / (MathF.Sqrt(vi) + tau);
        }
    }
}
