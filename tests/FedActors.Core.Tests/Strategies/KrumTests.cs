using FedActors.Core.Strategies;
using static FedActors.Core.Tests.Strategies.StrategyData;

namespace FedActors.Core.Tests.Strategies;

public sealed class KrumTests
{
    /// <summary>One-coordinate updates at the given points, clients c0, c1, ... in that order.</summary>
    private static List<FitRes> Points(params float[] points) =>
        points.Select((p, i) => Res($"c{i}", i + 1, W(("w", [p])))).ToList();

    [Fact]
    public void Scores_must_match_values_computed_by_hand()
    {
        // Points 0, 1, 2, 3, 100 with f = 1: each sums its n - f - 2 = 2 smallest squared distances.
        var updates = new float[] { 0, 1, 2, 3, 100 }.Select(p => new[] { new[] { p } }).ToList();
        var distances = PairwiseDistances.Compute(updates);
        Assert.Equal(9409.0, distances[3 * 5 + 4]);
        var all = Enumerable.Range(0, 5).ToList();
        var scores = KrumSelection.Scores(distances, 5, all, 1);
        Assert.Equal([5.0, 2.0, 2.0, 5.0, 9409.0 + 9604.0], scores);
        Assert.Equal([1], KrumSelection.Best(scores, all, 1));       // tie between 1 and 2: the lower index
        Assert.Equal([0, 1, 2], KrumSelection.Best(scores, all, 3)); // tie between 0 and 3: the lower index
    }

    [Fact]
    public void Iterated_selection_must_match_the_order_worked_out_by_hand()
    {
        // Points 0, 1, 2, 3, 4, 5, 100 with f = 1 (worked out in the comments of Bulyan's test below).
        var updates = new float[] { 0, 1, 2, 3, 4, 5, 100 }.Select(p => new[] { new[] { p } }).ToList();
        Assert.Equal([2, 3, 1, 4, 0], KrumSelection.Iterated(PairwiseDistances.Compute(updates), 7, 1, 5));
    }

    [Fact]
    public void Krum_MultiKrum_and_Bulyan_must_give_the_hand_computed_results_of_points_on_a_line()
    {
        var current = W(("w", [0f]));
        var krum = new Krum(1);
        Assert.Equal([1f], krum.AggregateFit(1, Phases.SimClr, current, Points(0, 1, 2, 3, 100), [])["w"].Data);
        Assert.Equal(["c1"], krum.LastSelection.Single().Selected);
        krum.AggregateFit(2, Phases.SimClr, current, [], []); // a round without results reports no selection
        Assert.Empty(krum.LastSelection);
        Assert.Empty(krum.LastFitMetrics);
        // MultiKrum m = 3 keeps c0, c1, c2 (weights 1, 2, 3): (0 + 2 + 6) / 6.
        var multi = new MultiKrum(1, 3).AggregateFit(1, Phases.SimClr, current, Points(0, 1, 2, 3, 100), []);
        Assert.Equal(8f / 6f, multi["w"].Data[0], 6);
        // Bulyan f = 1 over 0, 1, 2, 3, 4, 5, 100: iterated Krum picks 2, 3, 1, 4, 0 (theta = 5); the beta = 3 closest to
        // their median 2 are 1, 2, 3: mean 2. Scores by hand: round 1 (k = 4) 30, 15, 10, 10, 15, 30, ... -> 2; round 2
        // (k = 3) 26, 14, 9, 11, 21 -> 3; round 3 (k = 2) 17, 10, 10, 17 -> 1; round 4 (k = 1) 16, 1, 1 -> 4; round 5: 25, 25 -> 0.
        var bulyan = new Bulyan(1);
        Assert.Equal([2f], bulyan.AggregateFit(1, Phases.SimClr, current, Points(0, 1, 2, 3, 4, 5, 100), [])["w"].Data);
        Assert.Equal(["c0", "c1", "c2", "c3", "c4"], bulyan.LastSelection.Single().Selected);
        Assert.Equal(5, bulyan.LastFitMetrics["theta"]);
        Assert.Equal(3, bulyan.LastFitMetrics["beta"]);
    }

    [Fact]
    public void MeanClosestToMedian_must_take_the_closest_window_as_computed_by_hand()
    {
        float Closest(int keep, params float[] values)
        {
            var output = new float[1];
            CoordinateSelection.MeanClosestToMedian(values.Select(v => new[] { v }).ToArray(), keep, output, 0, 1);
            return output[0];
        }
        Assert.Equal(1f, Closest(3, 10, 0, 11, 1, 2)); // median 2: windows cost 3, 9, 17 -> mean(0, 1, 2)
        Assert.Equal(1f, Closest(2, 4, 0, 2));         // median 2: [0, 2] and [2, 4] both cost 2 -> the lower
        Assert.Equal(2f, Closest(2, 0, 1, 3, 10));     // median 2: [1, 3] costs 2 -> 2
        Assert.Equal(3.5f, Closest(4, 1, 2, 3, 4, 5, 6)); // keep all but two: [2..5]
        Assert.Equal(3e38f, Closest(2, 3e38f, 3e38f, -3e38f)); // sums in double: no overflow
    }

    [Fact]
    public void Distances_must_match_a_double_precision_sum_and_not_depend_on_threads()
    {
        var random = new Random(2);
        var updates = Enumerable.Range(0, 9).Select(_ => new[] { Values(random, 70_001), Values(random, 5), Values(random, 3_000) }).ToList();
        var one = PairwiseDistances.Compute(updates, 1);
        Assert.Equal(one, PairwiseDistances.Compute(updates, 3));
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(0.0, one[i * 9 + i]);
            for (var j = 0; j < 9; j++)
            {
                var exact = 0.0;
                for (var t = 0; t < 3; t++)
                {
                    for (var e = 0; e < updates[i][t].Length; e++) exact += Math.Pow((double)updates[i][t][e] - updates[j][t][e], 2);
                }
                Assert.Equal(exact, one[i * 9 + j], exact * 1e-5);
                Assert.Equal(one[i * 9 + j], one[j * 9 + i]);
            }
        }
    }

    /// <summary>Krum as Flower's aggregate_krum, written out plainly in double: scores, then the chosen indices.</summary>
    private static List<int> ReferenceKrum(List<float[]> points, int f, int keep)
    {
        var n = points.Count;
        var d = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++) d[i, j] = points[i].Zip(points[j], (a, b) => ((double)a - b) * ((double)a - b)).Sum();
        }
        var closest = Math.Max(1, n - f - 2);
        var scores = Enumerable.Range(0, n)
            .Select(i => Enumerable.Range(0, n).Where(j => j != i).Select(j => d[i, j]).Order().Take(closest).Sum())
            .ToList();
        return [.. Enumerable.Range(0, n).OrderBy(i => scores[i]).Take(keep).Order()];
    }

    private static List<FitRes> Attacked(Random random, int honest, int attackers, int length)
    {
        var results = new List<FitRes>();
        var total = honest + attackers;
        for (var c = 0; c < total; c++)
        {
            var values = Values(random, length, 0.2);
            // Attackers: large and all alike (a coordinated attack), spread among the client ids.
            if (c % 4 == 3 && attackers-- > 0) values = values.Select(v => 50f + v * 0.01f).ToArray();
            results.Add(Res($"c{c:D2}", random.Next(1, 100), W(("w", values))));
        }
        return results;
    }

    [Fact]
    public void Krum_and_MultiKrum_must_match_a_scalar_reimplementation_and_reject_attackers()
    {
        var random = new Random(3);
        var results = Attacked(random, 9, 2, 2_003);
        var current = W(("w", new float[2_003]));
        var points = results.Select(r => r.Weights["w"].Data).ToList();

        var krum = new Krum(2);
        var global = krum.AggregateFit(1, Phases.SimClr, current, results, []);
        var chosen = ReferenceKrum(points, 2, 1).Single();
        SameBits(W(("w", points[chosen])), global);
        Assert.NotSame(points[chosen], global["w"].Data);
        Assert.True(global["w"].Data.Max() < 1f);

        var multi = new MultiKrum(2, 5);
        var averaged = multi.AggregateFit(1, Phases.SimClr, current, results, []);
        var kept = ReferenceKrum(points, 2, 5);
        Assert.Equal(kept.Select(k => results[k].ClientId), multi.LastSelection.Single().Selected);
        SameBits(new FedAvg().AggregateFit(1, Phases.SimClr, current, [.. kept.Select(k => results[k])], []), averaged);
        // m = 0: n - f updates.
        var all = new MultiKrum(2);
        all.AggregateFit(1, Phases.SimClr, current, results, []);
        Assert.Equal(9, all.LastFitMetrics["m"]);
        Assert.DoesNotContain(all.LastSelection.Single().Selected, id => results.Single(r => r.ClientId == id).Weights["w"].Data[0] > 10);
    }

    [Fact]
    public void Bulyan_must_match_a_scalar_reimplementation_bit_for_bit()
    {
        var random = new Random(4);
        var results = Attacked(random, 9, 2, 1_001);
        var current = W(("w", new float[1_001]));
        var points = results.Select(r => r.Weights["w"].Data).ToList();
        var global = new Bulyan(2).AggregateFit(1, Phases.SimClr, current, results, []);

        // Iterated Krum, then per coordinate: sort, median, the beta closest as a window (lowest on ties), double mean.
        const int f = 2;
        var active = Enumerable.Range(0, points.Count).ToList();
        var chosen = new List<int>();
        while (chosen.Count < points.Count - 2 * f)
        {
            var best = ReferenceKrum([.. active.Select(a => points[a])], f, 1).Single();
            chosen.Add(active[best]);
            active.RemoveAt(best);
        }
        var beta = chosen.Count - 2 * f;
        var expected = new float[1_001];
        for (var e = 0; e < expected.Length; e++)
        {
            var s = chosen.Select(c => (double)points[c][e]).Order().ToArray();
            var median = s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) * 0.5;
            var (bestCost, bestSum) = (double.MaxValue, 0.0);
            for (var a = 0; a + beta <= s.Length; a++)
            {
                double cost = 0, sum = 0;
                for (var k = a; k < a + beta; k++)
                {
                    cost += Math.Abs(s[k] - median);
                    sum += s[k];
                }
                if (cost < bestCost) (bestCost, bestSum) = (cost, sum);
            }
            expected[e] = (float)(bestSum / beta);
        }
        SameBits(W(("w", expected)), global);
        Assert.True(global["w"].Data.Max() < 1f);
    }

    [Fact]
    public void Distance_strategies_must_choose_the_shared_backbone_among_all_and_each_head_among_its_task()
    {
        var random = new Random(5);
        var results = new List<FitRes>();
        for (var c = 0; c < 10; c++)
        {
            var task = c < 6 ? "A" : "B";
            results.Add(Res($"c{c}", 10, W(("backbone.w", Values(random, 300)), ($"heads.{task}.w", Values(random, 20)))));
        }
        var current = W(("backbone.w", new float[300]), ("heads.A.w", new float[20]), ("heads.B.w", new float[20]), ("other", [4f]));
        var krum = new Krum(2);
        var global = krum.AggregateFit(1, Phases.Heads, current, results, []);
        Assert.Equal([10, 6, 4], krum.LastSelection.Select(s => s.Updates));
        Assert.Equal([2, 1, 0], krum.LastSelection.Select(s => s.F)); // 6 heads of A allow f = 1, 4 of B none
        Assert.Equal(0, krum.LastFitMetrics["f"]);
        Assert.Equal(3, krum.LastFitMetrics["groups"]);
        var (backbone, headA, headB) = (krum.LastSelection[0].Selected.Single(), krum.LastSelection[1].Selected.Single(), krum.LastSelection[2].Selected.Single());
        Assert.Equal(results.Single(r => r.ClientId == backbone).Weights["backbone.w"].Data, global["backbone.w"].Data);
        Assert.Equal(results.Single(r => r.ClientId == headA).Weights["heads.A.w"].Data, global["heads.A.w"].Data);
        Assert.StartsWith("c", headB, StringComparison.Ordinal);
        Assert.True(int.Parse(headB[1..], System.Globalization.CultureInfo.InvariantCulture) >= 6);
        Assert.Equal(current["other"].Data, global["other"].Data);

        // No tensor common to all (each task with its own backbone copy): each group of identical tensors apart.
        var split = results.Select(r => Res(r.ClientId, 10, new ModelWeights(r.Weights.Select(t =>
            t.Name == "backbone.w" ? new NamedTensor($"task-backbones.{(r.Weights.Contains("heads.A.w") ? "A" : "B")}.w", t.Shape, t.Data) : t)))).ToList();
        var bulyan = new Bulyan(1);
        bulyan.AggregateFit(1, Phases.Heads, W(("task-backbones.A.w", new float[300]), ("task-backbones.B.w", new float[300]), ("heads.A.w", new float[20]), ("heads.B.w", new float[20])), split, []);
        Assert.Equal([6, 4], bulyan.LastSelection.Select(s => s.Updates));
        Assert.Equal([2, 2], bulyan.LastSelection.Select(s => s.Tensors));
        Assert.Equal([0, 0], bulyan.LastSelection.Select(s => s.F)); // Bulyan needs 7 updates for f = 1
    }

    [Theory]
    [InlineData(1, 5, 0)]
    [InlineData(2, 5, 0)]
    [InlineData(4, 5, 0)]
    [InlineData(5, 5, 1)]
    [InlineData(7, 2, 2)]
    [InlineData(100, 3, 3)]
    public void Krum_must_use_the_largest_f_a_small_round_allows(int n, int f, int used)
    {
        Assert.Equal(used, KrumSelection.TolerableByKrum(n, f));
        var krum = new Krum(f);
        var global = krum.AggregateFit(1, Phases.SimClr, W(("w", [0f])), Points([.. Enumerable.Range(0, n).Select(i => (float)i)]), []);
        Assert.Equal(used, krum.LastFitMetrics["f"]);
        Assert.True(float.IsFinite(global["w"].Data[0]));
    }

    [Theory]
    [InlineData(3, 1, 0)]
    [InlineData(6, 1, 0)]
    [InlineData(7, 1, 1)]
    [InlineData(10, 3, 1)]
    [InlineData(11, 2, 2)]
    public void Bulyan_must_use_the_largest_f_a_small_round_allows(int n, int f, int used)
    {
        Assert.Equal(used, KrumSelection.TolerableByBulyan(n, f));
        var bulyan = new Bulyan(f);
        bulyan.AggregateFit(1, Phases.SimClr, W(("w", [0f])), Points([.. Enumerable.Range(0, n).Select(i => (float)i)]), []);
        Assert.Equal(used, bulyan.LastFitMetrics["f"]);
        Assert.Equal(n - 4 * used, bulyan.LastFitMetrics["beta"]);
    }

    [Fact]
    public void Distance_strategies_must_not_depend_on_arrival_order_or_threads()
    {
        var random = new Random(6);
        var results = Attacked(random, 10, 3, 70_001);
        var current = W(("w", new float[70_001]));
        foreach (var make in new Func<int, SelectingStrategy>[] { t => new Krum(2) { MaxThreads = t }, t => new MultiKrum(2, 4) { MaxThreads = t }, t => new Bulyan(2) { MaxThreads = t } })
        {
            var one = make(1).AggregateFit(1, Phases.SimClr, current, results, []);
            SameBits(one, make(2).AggregateFit(1, Phases.SimClr, current, results.AsEnumerable().Reverse().ToList(), []));
        }
    }

    private const string Script = """
        import json, sys
        import numpy as np
        data = json.load(sys.stdin)
        points = [np.array(p, dtype=np.float32) for p in data["points"]]
        f = data["f"]

        # Flower's _compute_distances and aggregate_krum, the scores and the argsort as there (in float64).
        def krum(ws, keep):
            flat = np.array(ws, dtype=np.float64)
            d = np.array([[np.linalg.norm(a - b) ** 2 for b in flat] for a in flat])
            closest = max(1, len(ws) - f - 2)
            scores = [np.sum(d[i, np.argsort(d[i])[1:closest + 1]]) for i in range(len(ws))]
            return sorted(np.argsort(scores)[:keep].tolist())

        # Flower's aggregate_bulyan: theta rounds of Krum, then the beta closest to the coordinate-wise median.
        theta = len(points) - 2 * f
        beta = theta - 2 * f
        left = list(range(len(points)))
        chosen = []
        for _ in range(theta):
            best = left[krum([points[i] for i in left], 1)[0]]
            chosen.append(best)
            left.remove(best)
        selected = np.array([points[i] for i in chosen])
        median = np.median(selected, axis=0)
        order = np.argpartition(np.abs(selected - median), kth=beta - 1, axis=0)
        bulyan = np.mean(np.take_along_axis(selected, order, axis=0)[:beta], axis=0)
        print(json.dumps({"krum": krum(points, 1), "multikrum": krum(points, data["m"]), "bulyan": [float(v) for v in bulyan]}))
        """;

    [NumpyFact]
    public void Krum_MultiKrum_and_Bulyan_must_match_numpy()
    {
        var random = new Random(7);
        var results = Attacked(random, 12, 3, 257);
        var points = results.Select(r => r.Weights["w"].Data).ToList();
        var reference = Numpy.Run(Script, new { points, f = 3, m = 6 });
        var current = W(("w", new float[257]));

        var krum = new Krum(3);
        krum.AggregateFit(1, Phases.SimClr, current, results, []);
        Assert.Equal(reference.GetProperty("krum").EnumerateArray().Select(e => results[e.GetInt32()].ClientId), krum.LastSelection.Single().Selected);
        var multi = new MultiKrum(3, 6);
        multi.AggregateFit(1, Phases.SimClr, current, results, []);
        Assert.Equal(reference.GetProperty("multikrum").EnumerateArray().Select(e => results[e.GetInt32()].ClientId), multi.LastSelection.Single().Selected);
        var bulyan = new Bulyan(3).AggregateFit(1, Phases.SimClr, current, results, []);
        Close(new Dictionary<string, double[]> { ["w"] = Numpy.Doubles(reference.GetProperty("bulyan")) }, bulyan, 1e-6);
    }
}
