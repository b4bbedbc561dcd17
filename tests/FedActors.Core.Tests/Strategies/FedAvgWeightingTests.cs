using FedActors.Core.Strategies;
using static FedActors.Core.Tests.Strategies.StrategyData;

namespace FedActors.Core.Tests.Strategies;

public sealed class FedAvgWeightingTests
{
    [Fact]
    public void Unweighted_FedAvg_must_take_the_plain_mean_of_the_updates_that_carry_a_tensor()
    {
        var current = W(("w", [0f, 0f]), ("heads.A.b", [9f]), ("heads.B.b", [9f]));
        var results = new[]
        {
            Res("a", 300, W(("w", [4f, -2f]), ("heads.A.b", [1f]))),
            Res("b", 100, W(("w", [0f, 2f]), ("heads.A.b", [2f]))),
            Res("c", 7, W(("w", [2f, 3f]), ("heads.B.b", [5f]))),
        };
        var strategy = new FedAvg { Weighted = false };
        var global = strategy.AggregateFit(1, Phases.Heads, current, results, []);
        Assert.Equal([2f, 1f], global["w"].Data);        // (4 + 0 + 2) / 3, (-2 + 2 + 3) / 3
        Assert.Equal([1.5f], global["heads.A.b"].Data);  // only a and b carry it
        Assert.Equal([5f], global["heads.B.b"].Data);
        SameBits(global, Stream(new FedAvg { Weighted = false }, current, results));
        Assert.Contains("unweighted", strategy.Description, StringComparison.Ordinal);
        Assert.False(strategy.BuffersUpdates);
    }
}
