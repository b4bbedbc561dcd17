using FedActors.Core.Strategies;
using static FedActors.Core.Tests.Strategies.StrategyData;

namespace FedActors.Core.Tests.Strategies;

public sealed class FedMedianTests
{
    [Fact]
    public void FedMedian_must_take_the_coordinate_wise_median_of_the_updates_that_carry_each_tensor()
    {
        var current = W(("w", [0f, 0f]), ("heads.A.b", [9f]), ("heads.B.b", [9f]), ("untouched", [7f]));
        var results = new[]
        {
            Res("a", 1000, W(("w", [1f, 10f]), ("heads.A.b", [1f]))),
            Res("b", 1, W(("w", [2f, -5f]), ("heads.A.b", [4f]))),
            Res("c", 1, W(("w", [100f, 0f]), ("heads.B.b", [5f]))),
        };
        var global = new FedMedian().AggregateFit(1, Phases.Heads, current, results, []);
        Assert.Equal([2f, 0f], global["w"].Data);       // unweighted: a's 1000 examples do not count
        Assert.Equal([2.5f], global["heads.A.b"].Data); // even count: mean of the two middles
        Assert.Equal([5f], global["heads.B.b"].Data);
        Assert.Same(current["untouched"].Data, global["untouched"].Data);
        Assert.Equal(current.Names, global.Names);
    }

    [Fact]
    public void FedTrimmedAvg_must_cut_floor_beta_n_from_each_end_as_computed_by_hand()
    {
        var current = W(("w", [0f]), ("heads.A.b", [0f]));
        var results = new[] { -100f, 1f, 2f, 3f, 100f }
            .Select((v, i) => Res($"c{i}", 1, i < 2 ? W(("w", [v]), ("heads.A.b", [v])) : W(("w", [v]))))
            .ToList();
        var global = new FedTrimmedAvg(0.2).AggregateFit(1, Phases.Heads, current, results, []);
        Assert.Equal(2f, global["w"].Data[0]);            // floor(0.2 * 5) = 1 cut from each end: mean(1, 2, 3)
        Assert.Equal(-49.5f, global["heads.A.b"].Data[0]); // two carriers: floor(0.4) = 0 cut: mean(-100, 1)
        Assert.Equal(0, new FedTrimmedAvg(0.2).Trimmed(4));
        Assert.Equal(2, new FedTrimmedAvg(0.2).Trimmed(10));
    }

    [Fact]
    public void Buffered_coordinate_strategies_must_not_depend_on_arrival_order_or_threads()
    {
        var random = new Random(4);
        var current = Model(random, ("w", 70_001), ("b", 5));
        var results = Enumerable.Range(0, 9).Select(c => Res($"c{c}", 1, Model(random, ("w", 70_001), ("b", 5)))).ToList();
        foreach (var make in new Func<int, BufferedStrategy>[] { t => new FedMedian { MaxThreads = t }, t => new FedTrimmedAvg(0.3) { MaxThreads = t } })
        {
            var one = make(1).AggregateFit(1, Phases.SimClr, current, results, []);
            SameBits(one, make(3).AggregateFit(1, Phases.SimClr, current, results.AsEnumerable().Reverse().ToList(), []));
            Assert.True(make(1).BuffersUpdates);
        }
    }

    [Fact]
    public void Buffered_coordinate_strategies_must_refuse_updates_of_different_shapes_naming_the_tensor()
    {
        var current = W(("w", [0f, 0f]));
        var results = new[] { Res("a", 1, W(("w", [1f, 2f]))), Res("b", 1, W(("w", [1f, 2f, 3f]))) };
        var error = Assert.Throws<ArgumentException>(() => new FedMedian().AggregateFit(1, Phases.SimClr, current, results, []));
        Assert.Contains("'w'", error.Message, StringComparison.Ordinal);
    }

    private const string Script = """
        import json, sys
        import numpy as np
        data = json.load(sys.stdin)
        updates = np.array(data["updates"], dtype=np.float32)
        beta = data["beta"]
        # Flower's aggregate_median and _trim_mean (scipy's trim_mean), along the update axis.
        median = np.median(updates, axis=0)
        n = updates.shape[0]
        low = int(beta * n)
        part = np.partition(updates, (low, n - low - 1), axis=0)
        trimmed = np.mean(part[low:n - low], axis=0)
        print(json.dumps({"median": [float(v) for v in median], "trimmed": [float(v) for v in trimmed]}))
        """;

    [NumpyFact]
    public void FedMedian_and_FedTrimmedAvg_must_match_numpy()
    {
        var random = new Random(5);
        foreach (var n in new[] { 1, 2, 3, 10, 17, 50 })
        {
            var updates = Enumerable.Range(0, n).Select(_ => Values(random, 517, 20)).ToList();
            var reference = Numpy.Run(Script, new { updates, beta = 0.2 });
            var current = W(("w", new float[517]));
            var results = updates.Select((u, i) => Res($"c{i:D2}", i + 1, W(("w", u)))).ToList();
            var median = new FedMedian().AggregateFit(1, Phases.SimClr, current, results, []);
            var trimmed = new FedTrimmedAvg(0.2).AggregateFit(1, Phases.SimClr, current, results, []);
            // NumPy sums in float32: an ulp or so apart.
            Close(new Dictionary<string, double[]> { ["w"] = Numpy.Doubles(reference.GetProperty("median")) }, median, 1e-6);
            Close(new Dictionary<string, double[]> { ["w"] = Numpy.Doubles(reference.GetProperty("trimmed")) }, trimmed, 1e-6);
        }
    }
}
