using FedActors.Core;
using FedActors.Core.Strategies;

namespace FedActors.Core.Tests;

public sealed class FedAvgTests
{
    private static ModelWeights W(params (string Name, float[] Data)[] tensors) =>
        new(tensors.Select(t => new NamedTensor(t.Name, [t.Data.Length], t.Data)));

    private static FitRes Res(string client, long n, ModelWeights w) =>
        new(client, 1, w, n, new Dictionary<string, double>());

    [Fact]
    public void FedAvg_must_weight_updates_by_sample_count()
    {
        var current = W(("w", [0f, 0f]));
        var results = new[]
        {
            Res("b", 300, W(("w", [4f, -2f]))),
            Res("a", 100, W(("w", [0f, 2f]))),
        };

        var global = new FedAvg().AggregateFit(1, Phases.SimClr, current, results, []);

        // (100 * [0, 2] + 300 * [4, -2]) / 400 = [3, -1]
        Assert.Equal([3f, -1f], global["w"].Data);
    }

    [Fact]
    public void FedAvg_must_average_a_tensor_only_over_the_clients_that_sent_it()
    {
        var current = W(("backbone.w", [0f]), ("heads.A.w", [9f]), ("heads.B.w", [9f]), ("untouched", [7f]));
        var results = new[]
        {
            Res("a1", 1, W(("backbone.w", [1f]), ("heads.A.w", [10f]))),
            Res("a2", 3, W(("backbone.w", [5f]), ("heads.A.w", [20f]))),
            Res("b1", 4, W(("backbone.w", [2f]), ("heads.B.w", [40f]))),
        };

        var global = new FedAvg().AggregateFit(1, Phases.Heads, current, results, []);

        Assert.Equal((1 * 1f + 3 * 5f + 4 * 2f) / 8f, global["backbone.w"].Data[0], 5);
        Assert.Equal((1 * 10f + 3 * 20f) / 4f, global["heads.A.w"].Data[0], 5);
        Assert.Equal(40f, global["heads.B.w"].Data[0]);
        Assert.Equal(7f, global["untouched"].Data[0]);
        Assert.Equal(current.Names, global.Names);
    }

    [Fact]
    public void FedAvg_must_not_depend_on_arrival_order()
    {
        var rng = new Random(5);
        var results = Enumerable.Range(0, 7)
            .Select(i => Res($"c{i}", rng.Next(1, 1000), W(("w", Enumerable.Range(0, 33).Select(_ => (float)rng.NextDouble()).ToArray()))))
            .ToList();
        var current = W(("w", new float[33]));
        var a = new FedAvg().AggregateFit(1, Phases.SimClr, current, results, []);
        var b = new FedAvg().AggregateFit(1, Phases.SimClr, current, results.AsEnumerable().Reverse().ToList(), []);
        Assert.Equal(a.ContentHash(), b.ContentHash());
    }

    [Fact]
    public void Accumulator_must_give_the_same_bits_whatever_the_fold_width_and_threads()
    {
        // Tensors longer than a chunk and of odd lengths, heads carried by some updates only.
        var rng = new Random(11);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var updates = Enumerable.Range(0, 11)
            .Select(i => (Weights: W(("backbone.w", Values(40_003)), (i % 3 == 0 ? "heads.A.b" : "heads.B.b", Values(17))), Examples: (long)rng.Next(1, 500)))
            .ToList();
        var current = W(("backbone.w", new float[40_003]), ("heads.A.b", new float[17]), ("heads.B.b", new float[17]));

        ModelWeights Run(int foldWidth, int threads)
        {
            var acc = new FedAvgAccumulator(foldWidth, threads);
            foreach (var (weights, examples) in updates) acc.Add(weights, examples);
            return acc.Result(current);
        }

        var reference = Run(1, 1);
        Assert.Equal(reference.ContentHash(), Run(4, 2).ContentHash());
        Assert.Equal(reference.ContentHash(), Run(8, 3).ContentHash());
        Assert.Equal(reference.ContentHash(), Run(32, 4).ContentHash());
        // Float sums stay close to the exact (double) weighted mean.
        var total = updates.Sum(u => (double)u.Examples);
        for (var i = 0; i < 40_003; i += 997)
        {
            var exact = updates.Sum(u => u.Examples * (double)u.Weights["backbone.w"].Data[i]) / total;
            Assert.Equal(exact, reference["backbone.w"].Data[i], 5);
        }
    }

    [Fact]
    public void Accumulator_must_write_into_a_handed_over_update_and_give_the_same_bits()
    {
        var rng = new Random(13);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var updates = Enumerable.Range(0, 5).Select(_ => (Weights: W(("w", Values(70_001)), ("b", Values(3))), Examples: (long)rng.Next(1, 90))).ToList();
        var current = W(("w", new float[70_001]), ("b", new float[3]));

        var borrowed = new FedAvgAccumulator(2, 2);
        foreach (var (weights, examples) in updates) borrowed.Add(weights, examples);
        var expected = borrowed.Result(current);

        var first = W(("w", (float[])updates[0].Weights["w"].Data.Clone()), ("b", (float[])updates[0].Weights["b"].Data.Clone()));
        var handedOver = new FedAvgAccumulator(2, 2);
        handedOver.Add(first, updates[0].Examples, handOver: true);
        foreach (var (weights, examples) in updates.Skip(1)) handedOver.Add(weights, examples);
        var result = handedOver.Result(current);

        Assert.Equal(expected.ContentHash(), result.ContentHash());
        Assert.Same(first["w"].Data, result["w"].Data); // the sum was written into the handed-over array
        Assert.NotSame(updates[0].Weights["w"].Data, expected["w"].Data);
    }

    [Fact]
    public void FoldRange_must_match_the_scalar_definition_on_every_element()
    {
        var rng = new Random(17);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 200 - 100)).ToArray();
        var sources = Enumerable.Range(0, 4).Select(_ => Values(1_003)).ToArray();
        float[] weights = [3f, 0.25f, 7f, 1.5f];
        var start = Values(1_003);

        foreach (var (started, divisor) in new[] { (false, (float?)null), (true, 11.75f), (false, 11.75f) })
        {
            var sum = (float[])start.Clone();
            // Three ranges of odd lengths: vector blocks, single vectors and scalar tails all run.
            Aggregation.FoldRange(sum, 0, 517, started, sources, weights, divisor);
            Aggregation.FoldRange(sum, 517, 13, started, sources, weights, divisor);
            Aggregation.FoldRange(sum, 530, 473, started, sources, weights, divisor);
            for (var i = 0; i < sum.Length; i++)
            {
                var s = started ? start[i] : sources[0][i] * weights[0];
                for (var k = started ? 0 : 1; k < sources.Length; k++) s += sources[k][i] * weights[k];
                if (divisor is { } d) s /= d;
                Assert.Equal(BitConverter.SingleToInt32Bits(s), BitConverter.SingleToInt32Bits(sum[i]));
            }
        }
    }

    [Fact]
    public void Accumulator_must_give_the_bits_of_the_unscaled_fold()
    {
        // The accumulator scales weights and sums by powers of two against overflow; the result must not show it.
        var rng = new Random(19);
        var updates = Enumerable.Range(0, 9)
            .Select(_ => (Data: Enumerable.Range(0, 1_001).Select(_ => (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-6, 7)))).ToArray(),
                Examples: (long)rng.Next(1, 5_000_000)))
            .ToList();
        foreach (var width in new[] { 1, 2, 4, 9 })
        {
            var acc = new FedAvgAccumulator(width, 1);
            foreach (var (data, examples) in updates) acc.Add(W(("w", data)), examples);
            var result = acc.Result(W(("w", new float[1_001])))["w"].Data;
            var total = (float)updates.Sum(u => (double)(float)u.Examples);
            for (var i = 0; i < result.Length; i++)
            {
                var s = updates[0].Data[i] * (float)updates[0].Examples;
                foreach (var (data, examples) in updates.Skip(1)) s += data[i] * (float)examples;
                Assert.Equal(BitConverter.SingleToInt32Bits(s / total), BitConverter.SingleToInt32Bits(result[i]));
            }
        }
    }

    [Theory]
    [InlineData(1L, 1L, 3e38f, 3.2e38f)]
    [InlineData(1L, 1L, -3.4e38f, -3.4e38f)]
    [InlineData(1_000_000_000L, 3_000_000_000L, 1e30f, 1e30f)]
    [InlineData(7L, 1_000_000L, float.MaxValue, float.MaxValue)]
    public void Accumulator_must_keep_the_mean_of_finite_updates_finite(long examplesA, long examplesB, float a, float b)
    {
        foreach (var width in new[] { 1, 8 })
        {
            var acc = new FedAvgAccumulator(width, 1);
            acc.Add(W(("w", [a, 1f])), examplesA);
            acc.Add(W(("w", [b, 2f])), examplesB);
            var mean = acc.Result(W(("w", [0f, 0f])))["w"].Data;

            var exact = ((double)a * examplesA + (double)b * examplesB) / ((double)examplesA + examplesB);
            Assert.True(float.IsFinite(mean[0]), $"fold width {width}: the mean of {a} and {b} came out {mean[0]}");
            Assert.Equal(exact, mean[0], Math.Abs(exact) * 1e-6);
            Assert.Equal((1.0 * examplesA + 2.0 * examplesB) / (examplesA + examplesB), mean[1], 1e-6);
        }
    }

    [Fact]
    public void Accumulator_must_rescale_its_partial_sums_exactly_when_more_weight_arrives()
    {
        // Weights that cross several powers of two between folds: sums started small are rescaled on the way.
        var data = Enumerable.Range(0, 257).Select(i => (float)Math.Sin(i) * 1e37f).ToArray();
        var counts = new long[] { 1, 3, 1_000, 70_000, 9_000_000, 2 };
        var folded = new FedAvgAccumulator(1, 1);
        var batched = new FedAvgAccumulator(counts.Length, 1);
        foreach (var n in counts)
        {
            folded.Add(W(("w", data)), n);
            batched.Add(W(("w", data)), n);
        }
        var a = folded.Result(W(("w", new float[257])));
        Assert.Equal(a.ContentHash(), batched.Result(W(("w", new float[257]))).ContentHash());
        Assert.All(a["w"].Data, v => Assert.True(float.IsFinite(v)));
        for (var i = 0; i < data.Length; i++) Assert.Equal(data[i], a["w"].Data[i], Math.Abs(data[i]) * 1e-6);
    }

    [Fact]
    public void Accumulator_must_reject_a_shape_mismatch()
    {
        var acc = new FedAvgAccumulator();
        acc.Add(W(("w", [1f, 2f])), 1);
        var ex = Assert.Throws<ArgumentException>(() => acc.Add(W(("w", [1f, 2f, 3f])), 1));
        Assert.Contains("'w'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluation_metrics_must_be_weighted_by_examples()
    {
        var results = new[]
        {
            new EvaluateRes("a", 1, 10, new Dictionary<string, double> { ["acc1"] = 1.0 }),
            new EvaluateRes("b", 1, 30, new Dictionary<string, double> { ["acc1"] = 0.0 }),
        };
        var metrics = new FedAvg().AggregateEvaluate(1, results, []);
        Assert.Equal(0.25, metrics["acc1"], 12);
    }
}
