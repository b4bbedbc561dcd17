using System.Numerics;
using System.Runtime.InteropServices;

namespace FedActors.Core.Strategies;

/// <summary>
/// FedAvgM (Hsu et al., 2019, "Measuring the Effects of Non-Identical Data Distribution"; Flower's fedavgm.py):
/// server SGD with momentum on the FedAvg pseudo-gradient, in PyTorch's convention. Per element, in float32 and in
/// this order: <c>d = avg - x; v = momentum * v + d; x' = x + lr * v</c>, which is Flower's
/// <c>g = x - avg; v = momentum * v + g; x' = x - lr * v</c> with the sign folded in (its first round's
/// <c>v = g</c> is <c>momentum * 0 + g</c>). See <see cref="FedOpt"/> for which tensors step and the state.
/// <para>
/// Parameters (<see cref="StrategyFactory"/> name <c>fedavgm</c>), Flower's defaults: <c>server-learning-rate</c> = 1
/// (above 0), <c>server-momentum</c> = 0 (in [0, 1); Hsu et al. use 0.9 with rate 1). With rate 1 and momentum 0 it
/// is FedAvg and gives FedAvg's bits (no step is applied, no state kept), as Flower's does.
/// </para>
/// </summary>
public sealed class FedAvgM : FedOpt
{
    /// <summary>The parameters of <c>fedavgm</c>, for <see cref="StrategyFactory"/>.</summary>
    public static new IReadOnlyList<StrategyParameter> Parameters { get; } =
    [
        new("server-learning-rate", 1.0, "server learning rate applied to the momentum") { Minimum = 0, MinimumExcluded = true },
        new("server-momentum", 0.0, "server momentum") { Minimum = 0, Maximum = 1, MaximumExcluded = true },
    ];

    public FedAvgM(double serverLearningRate = 1.0, double serverMomentum = 0.0)
        : base("momentum")
    {
        ServerLearningRate = Parameters[0].Check(serverLearningRate);
        ServerMomentum = Parameters[1].Check(serverMomentum);
    }

    public double ServerLearningRate { get; }
    public double ServerMomentum { get; }

    public override string Name => "fedavgm";

    public override string Description =>
        $"FedAvgM (Hsu et al. 2019): server SGD with momentum on the FedAvg pseudo-gradient; server-learning-rate={Format(ServerLearningRate)}, server-momentum={Format(ServerMomentum)}";

    protected override bool Steps => ServerLearningRate != 1.0 || ServerMomentum != 0.0;

    protected override void StepRange(float[] current, float[] average, float[][] slots, long step, int start, int length)
    {
        var momentum = (float)ServerMomentum;
        var rate = (float)ServerLearningRate;
        ref var x = ref MemoryMarshal.GetArrayDataReference(current);
        ref var a = ref MemoryMarshal.GetArrayDataReference(average);
        ref var v = ref MemoryMarshal.GetArrayDataReference(slots[0]);
        var i = (nuint)start;
        var end = (nuint)(start + length);
        if (Vector.IsHardwareAccelerated)
        {
            var width = (nuint)Vector<float>.Count;
            var mv = new Vector<float>(momentum);
            var rv = new Vector<float>(rate);
            for (; i + width <= end; i += width)
            {
                var xi = Vector.LoadUnsafe(ref x, i);
                var d = Vector.LoadUnsafe(ref a, i) - xi;
                var vi = mv * Vector.LoadUnsafe(ref v, i) + d;
                vi.StoreUnsafe(ref v, i);
                (xi + rv * vi).StoreUnsafe(ref a, i);
            }
        }
        for (; i < end; i++)
        {
            var d = average[i] - current[i];
            var vi = momentum * slots[0][i] + d;
            slots[0][i] = vi;
            average[i] = current[i] + rate * vi;
        }
    }
}
