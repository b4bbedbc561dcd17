using FedActors.Core.Strategies;
using static FedActors.Core.Tests.Strategies.StrategyData;

namespace FedActors.Core.Tests.Strategies;

public sealed class QFedAvgTests
{
    [Fact]
    public void QFedAvg_must_match_values_computed_by_hand()
    {
        // L = 1 / 0.1 = 10. Client a: w - w_a = 0.1, dw = 1, loss 1; client b: w - w_b = -0.2, dw = -2, loss 3.
        var current = W(("w", [0f]));
        var results = new[] { Res("a", 5, W(("w", [-0.1f])), loss: 1), Res("b", 500, W(("w", [0.2f])), loss: 3) };
        // q = 1: deltas 1 and -6, h = 1 * 1 + 10 * 1 = 11 and 1 * 4 + 10 * 3 = 34: w' = 0 - (-5 / 45).
        Assert.Equal(5.0 / 45, new QFedAvg(1, 0.1).AggregateFit(1, Phases.SimClr, current, results, [])["w"].Data[0], 6);
        // q = 0: deltas 1 and -2, h = 10 each: w' = 1 / 20, the plain mean of -0.1 and 0.2 (sample counts do not count).
        Assert.Equal(0.05, new QFedAvg(0, 0.1).AggregateFit(1, Phases.SimClr, current, results, [])["w"].Data[0], 6);
    }

    /// <summary>The paper's Algorithm 3 per tensor over its carriers, in double, written out plainly.</summary>
    private static Dictionary<string, double[]> Reference(ModelWeights current, IReadOnlyList<FitRes> results, double q, double rate)
    {
        var l = 1 / rate;
        var h = results.Select(r =>
        {
            var f = r.Metrics["loss"] + 1e-10;
            var squares = r.Weights.Sum(t => t.Data.Select((v, i) => Math.Pow(l * ((double)current[t.Name].Data[i] - v), 2)).Sum());
            return q * Math.Pow(f, q - 1) * squares + l * Math.Pow(f, q);
        }).ToList();
        var expected = new Dictionary<string, double[]>();
        foreach (var tensor in current)
        {
            var carriers = Enumerable.Range(0, results.Count).Where(k => results[k].Weights.Contains(tensor.Name)).ToList();
            if (carriers.Count == 0) continue;
            var hSum = carriers.Sum(k => h[k]);
            expected[tensor.Name] = tensor.Data.Select((w, i) => w - carriers.Sum(k =>
                Math.Pow(results[k].Metrics["loss"] + 1e-10, q) * l * ((double)w - results[k].Weights[tensor.Name].Data[i])) / hSum).ToArray();
        }
        return expected;
    }

    private static (ModelWeights Current, List<FitRes> Results) Heads(int seed)
    {
        var random = new Random(seed);
        var current = Model(random, ("backbone.w", 70_001), ("heads.A.w", 7), ("heads.B.w", 7), ("frozen", 3));
        var results = Enumerable.Range(0, 7).Select(c =>
        {
            var task = c % 3 == 0 ? "B" : "A";
            var update = new ModelWeights(current.Where(n => n == "backbone.w" || n == $"heads.{task}.w")
                .Select(t => new NamedTensor(t.Name, t.Shape, t.Data.Select(v => v + (float)((random.NextDouble() - 0.5) * 0.1)).ToArray())));
            return Res($"c{c}", random.Next(1, 100), update, loss: random.NextDouble() * 3);
        }).ToList();
        return (current, results);
    }

    [Theory]
    [InlineData(0.2, 0.1)]
    [InlineData(1.0, 0.01)]
    [InlineData(5.0, 0.5)]
    public void QFedAvg_must_match_a_double_precision_reimplementation_per_tensor(double q, double rate)
    {
        var (current, results) = Heads(1);
        var global = new QFedAvg(q, rate).AggregateFit(1, Phases.Heads, current, results, []);
        Close(Reference(current, results, q, rate), global, 1e-5);
        Assert.Same(current["frozen"].Data, global["frozen"].Data);
    }

    [Fact]
    public void QFedAvg_must_give_the_same_bits_streamed_whatever_the_fold_width_threads_and_arrival_order()
    {
        var (current, results) = Heads(2);
        var batch = new QFedAvg { FoldWidth = 8, MaxThreads = 1 }.AggregateFit(1, Phases.Heads, current, results, []);
        SameBits(batch, Stream(new QFedAvg { FoldWidth = 1, MaxThreads = 2 }, current, results));
        SameBits(batch, Stream(new QFedAvg { FoldWidth = 3, MaxThreads = 3 }, current, results.AsEnumerable().Reverse()));
        SameBits(batch, new QFedAvg().AggregateFit(1, Phases.Heads, current, results.AsEnumerable().Reverse().ToList(), []));
    }

    [Fact]
    public void QFedAvg_must_refuse_a_result_without_a_usable_loss_naming_the_client()
    {
        var current = W(("w", [0f]));
        var missing = Assert.Throws<ArgumentException>(() =>
            new QFedAvg().AggregateFit(1, Phases.SimClr, current, [Res("a", 1, W(("w", [1f])), loss: 1), Res("b", 1, W(("w", [1f])))], []));
        Assert.Contains("'b'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("'loss'", missing.Message, StringComparison.Ordinal);
        var negative = Assert.Throws<ArgumentException>(() => new QFedAvg().AggregateFit(1, Phases.SimClr, current, [Res("c", 1, W(("w", [1f])), loss: -1)], []));
        Assert.Contains("'c'", negative.Message, StringComparison.Ordinal);
        Assert.Same(current, new QFedAvg().AggregateFit(1, Phases.SimClr, current, [], []));
    }

    private const string Script = """
        import json, sys
        import numpy as np
        data = json.load(sys.stdin)
        weights_before = [np.array(data["current"], dtype=np.float32)]
        q, lr = data["q"], data["lr"]
        # Flower's QFedAvg.aggregate_fit and aggregate_qffl, with each client's own loss (the paper's F_k).
        def norm_grad(grads):
            return float(np.sum(np.square(np.concatenate([g.ravel() for g in grads]))))
        deltas, hs = [], []
        for update, loss in zip(data["updates"], data["losses"]):
            grads = [np.multiply(u - np.array(v, dtype=np.float32), 1.0 / lr) for u, v in zip(weights_before, [update])]
            deltas.append([np.float_power(loss + 1e-10, q) * g for g in grads])
            hs.append(q * np.float_power(loss + 1e-10, q - 1) * norm_grad(grads) + (1.0 / lr) * np.float_power(loss + 1e-10, q))
        denominator = np.sum(np.asarray(hs))
        updates = sum(d[0] / denominator for d in deltas)
        print(json.dumps([float(v) for v in weights_before[0] - updates]))
        """;

    [NumpyFact]
    public void QFedAvg_must_match_numpy()
    {
        var random = new Random(3);
        var current = Values(random, 3_001);
        var updates = Enumerable.Range(0, 6).Select(_ => current.Select(v => v + (float)((random.NextDouble() - 0.5) * 0.05)).ToArray()).ToList();
        var losses = updates.Select(_ => random.NextDouble() * 2).ToList();
        var reference = Numpy.Run(Script, new { current, updates, losses, q = 0.5, lr = 0.05 });
        var results = updates.Select((u, k) => Res($"c{k}", 1, W(("w", u)), losses[k])).ToList();
        var global = new QFedAvg(0.5, 0.05).AggregateFit(1, Phases.SimClr, W(("w", current)), results, []);
        Close(new Dictionary<string, double[]> { ["w"] = Numpy.Doubles(reference) }, global, 1e-5);
    }
}
