using System.Numerics;
using System.Runtime.InteropServices;

namespace FedActors.Core.Strategies;

/// <summary>
/// FedYogi (Reddi et al., ICLR 2021, Algorithm 2; Flower's fedyogi.py): server Yogi on the FedAvg pseudo-gradient. Per
/// element, in float32 and in this order: <c>d = avg - x; m = beta1 * m + (1 - beta1) * d;
/// v = v - ((1 - beta2) * (d * d)) * sign(v - d * d); x' = x + eta * m / (sqrt(v) + tau)</c>, sign(0) = 0. No bias
/// correction (neither the paper nor Flower has one). v stays at least 0: it moves towards d*d by at most (1 - beta2) d*d.
/// m and v start at zero. See <see cref="FedOpt"/> for which tensors step and the state.
/// <para>
/// Parameters (<see cref="StrategyFactory"/> name <c>fedyogi</c>), Flower's defaults: <c>eta</c> = 0.01 (above 0),
/// <c>beta1</c> = 0.9 and <c>beta2</c> = 0.99 (in [0, 1)), <c>tau</c> = 1e-3 (above 0).
/// </para>
/// </summary>
public sealed class FedYogi : FedOpt
{
    /// <summary>The parameters of <c>fedyogi</c>, for <see cref="StrategyFactory"/>.</summary>
    public static new IReadOnlyList<StrategyParameter> Parameters { get; } =
    [
        new("eta", 0.01, "server learning rate") { Minimum = 0, MinimumExcluded = true },
        new("beta1", 0.9, "decay of the first moment m") { Minimum = 0, Maximum = 1, MaximumExcluded = true },
        new("beta2", 0.99, "rate at which v follows d*d") { Minimum = 0, Maximum = 1, MaximumExcluded = true },
        new("tau", 1e-3, "added to sqrt(v): the degree of adaptivity") { Minimum = 0, MinimumExcluded = true },
    ];

    public FedYogi(double eta = 0.01, double beta1 = 0.9, double beta2 = 0.99, double tau = 1e-3)
        : base("m", "v")
    {
        Eta = Parameters[0].Check(eta);
        Beta1 = Parameters[1].Check(beta1);
        Beta2 = Parameters[2].Check(beta2);
        Tau = Parameters[3].Check(tau);
    }

    public double Eta { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Tau { get; }

    public override string Name => "fedyogi";

    public override string Description =>
        $"FedYogi (Reddi et al. 2021): server Yogi on the FedAvg pseudo-gradient; eta={Format(Eta)}, beta1={Format(Beta1)}, " +
        $"beta2={Format(Beta2)}, tau={Format(Tau)}";

    protected override void StepRange(float[] current, float[] average, float[][] slots, long step, int start, int length)
    {
        var b1 = (float)Beta1;
        var c1 = (float)(1 - Beta1);
        var c2 = (float)(1 - Beta2);
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
                var vOld = Vector.LoadUnsafe(ref vr, at);
                var d2 = d * d;
                // sign(v - d*d) as -1, 0 or +1: the comparisons give all-ones (-1 as an integer) where true.
                var sign = Vector.ConvertToSingle(Vector.LessThan(vOld - d2, Vector<float>.Zero) - Vector.GreaterThan(vOld - d2, Vector<float>.Zero));
                var vi = vOld - c2 * d2 * sign;
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
            var d2 = d * d;
            var difference = v[i] - d2;
            var sign = difference > 0 ? 1f : difference < 0 ? -1f : 0f;
            var vi = v[i] - c2 * d2 * sign;
            m[i] = mi;
            v[i] = vi;
            average[i] = x + eta * mi / (MathF.Sqrt(vi) + tau);
        }
    }
}
