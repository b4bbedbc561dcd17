using FedActors.Core.Strategies;
using static FedActors.Core.Tests.Strategies.StrategyData;

namespace FedActors.Core.Tests.Strategies;

public sealed class FedOptTests
{
    [Fact]
    public void FedAvgM_must_step_with_momentum_as_computed_by_hand()
    {
        var strategy = new FedAvgM(serverLearningRate: 0.5, serverMomentum: 0.5);
        // Round 1: FedAvg = [2, -2], d = [2, -2], v = [2, -2], x = 0 + 0.5 v = [1, -1].
        var x1 = strategy.AggregateFit(1, Phases.SimClr, W(("w", [0f, 0f])),
            [Res("a", 1, W(("w", [1f, -1f]))), Res("b", 1, W(("w", [3f, -3f])))], []);
        Assert.Equal([1f, -1f], x1["w"].Data);
        // Round 2: FedAvg = [3, 1], d = [2, 2], v = 0.5 [2, -2] + [2, 2] = [3, 1], x = [1, -1] + 0.5 [3, 1] = [2.5, -0.5].
        var x2 = strategy.AggregateFit(2, Phases.SimClr, x1, [Res("a", 3, W(("w", [3f, 1f])))], []);
        Assert.Equal([2.5f, -0.5f], x2["w"].Data);
    }

    [Fact]
    public void FedAdam_must_move_each_coordinate_by_eta_on_its_first_bias_corrected_step()
    {
        // t = 1: m = (1 - b1) d, v = (1 - b2) d^2, eta_1 = eta sqrt(1 - b2) / (1 - b1): x' = x + eta d / |d| (up to tau).
        var strategy = new FedAdam(eta: 0.1, beta1: 0.9, beta2: 0.999, tau: 1e-9);
        var x1 = strategy.AggregateFit(1, Phases.SimClr, W(("w", [0f, 5f, 1f])), [Res("a", 1, W(("w", [1f, 3f, 1f])))], []);
        Assert.Equal(0.1f, x1["w"].Data[0], 6);
        Assert.Equal(4.9f, x1["w"].Data[1], 5);
        Assert.Equal(1f, x1["w"].Data[2]); // no change: d = 0, m = 0, step 0
        // Without bias correction (the paper): x' = 0.1 * 0.1 / sqrt(0.001) = 0.316228 for d = 1.
        var plain = new FedAdam(eta: 0.1, beta1: 0.9, beta2: 0.999, biasCorrection: false);
        var y1 = plain.AggregateFit(1, Phases.SimClr, W(("w", [0f])), [Res("a", 1, W(("w", [1f])))], []);
        Assert.Equal(0.1 * 0.1 / Math.Sqrt(0.001), y1["w"].Data[0], 5);
        // Second bias-corrected step with d = 1 again: m = 0.19, v = 0.001999, eta_2 = 0.1 sqrt(1 - 0.999^2) / (1 - 0.9^2).
        var twice = new FedAdam(eta: 0.1, beta1: 0.9, beta2: 0.999, tau: 1e-9);
        var z1 = twice.AggregateFit(1, Phases.SimClr, W(("w", [0f])), [Res("a", 1, W(("w", [1f])))], []);
        var z2 = twice.AggregateFit(2, Phases.SimClr, z1, [Res("a", 1, W(("w", [z1["w"].Data[0] + 1f])))], []);
        Assert.Equal(0.1 + 0.1 * Math.Sqrt(1 - 0.999 * 0.999) / (1 - 0.9 * 0.9) * 0.19 / Math.Sqrt(0.001999), z2["w"].Data[0], 5);
    }

    [Fact]
    public void FedYogi_must_move_v_towards_d_squared_as_computed_by_hand()
    {
        var strategy = new FedYogi(eta: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-3);
        // Round 1: d = 2, m = 0.2, v = 0 - 0.01 * 4 * sign(0 - 4) = 0.04, x' = 0 + 0.01 * 0.2 / (0.2 + 0.001).
        var x1 = strategy.AggregateFit(1, Phases.SimClr, W(("w", [0f])), [Res("a", 1, W(("w", [2f])))], []);
        Assert.Equal(0.01 * 0.2 / (0.2 + 0.001), x1["w"].Data[0], 6);
        // Round 2: d = 0.1 - x1 + x1 ... FedAvg = x1 + 0.1: d = 0.1, m = 0.18 + 0.01 = 0.19, v = 0.04 - 0.01 * 0.01 * sign(0.04 - 0.01) = 0.0399.
        var before = x1["w"].Data[0];
        var x2 = strategy.AggregateFit(2, Phases.SimClr, x1, [Res("a", 1, W(("w", [before + 0.1f])))], []);
        Assert.Equal(before + 0.01 * 0.19 / (Math.Sqrt(0.0399) + 0.001), x2["w"].Data[0], 5);
    }

    [Fact]
    public void FedAdagrad_must_accumulate_squares_as_computed_by_hand()
    {
        var strategy = new FedAdagrad(eta: 0.1, tau: 1e-9);
        // Round 1: d = 3, m = 3, v = 9, x' = 0.1 * 3 / 3 = 0.1. Round 2: d = 4, m = 4, v = 25, x' = 0.1 + 0.1 * 4 / 5 = 0.18.
        var x1 = strategy.AggregateFit(1, Phases.SimClr, W(("w", [0f])), [Res("a", 1, W(("w", [3f])))], []);
        Assert.Equal(0.1f, x1["w"].Data[0], 6);
        var x2 = strategy.AggregateFit(2, Phases.SimClr, x1, [Res("a", 1, W(("w", [x1["w"].Data[0] + 4f])))], []);
        Assert.Equal(0.18f, x2["w"].Data[0], 5);
    }

    public static TheoryData<string> Optimisers => ["fedavgm", "fedadam", "fedadam-plain", "fedyogi", "fedadagrad"];

    private static FedOpt Create(string kind, int? threads = null) => kind switch
    {
        "fedavgm" => new FedAvgM(0.7, 0.9) { MaxThreads = threads, FoldWidth = 3 },
        "fedadam" => new FedAdam(0.05, 0.8, 0.95, 1e-4) { MaxThreads = threads },
        "fedadam-plain" => new FedAdam(0.05, 0.8, 0.95, 1e-4, biasCorrection: false) { MaxThreads = threads },
        "fedyogi" => new FedYogi(0.02, 0.85, 0.9, 1e-3) { MaxThreads = threads },
        "fedadagrad" => new FedAdagrad(0.05, 0.5, 1e-3) { MaxThreads = threads },
        _ => throw new ArgumentException(kind),
    };

    /// <summary>Three rounds of a two-task heads-like model: shared parts, per-task heads, BatchNorm statistics.</summary>
    private static List<List<FitRes>> Rounds(int seed)
    {
        var random = new Random(seed);
        var rounds = new List<List<FitRes>>();
        for (var round = 0; round < 3; round++)
        {
            var results = new List<FitRes>();
            for (var c = 0; c < 5; c++)
            {
                // Round 2 (index 1) has no task-B client: heads.B must keep its value and its state.
                var task = round == 1 || c % 2 == 0 ? "A" : "B";
                results.Add(Res($"c{c}", random.Next(1, 100), new ModelWeights(
                [
                    new("backbone.w", [70_001], Values(random, 70_001)),
                    new("backbone.bn.running_var", [9], Values(random, 9, 0.2).Select(v => 1 + v).ToArray()),
                    new("backbone.bn.num_batches_tracked", [1], [100 + c]),
                    new($"heads.{task}.w", [13], Values(random, 13, 4)),
                ])));
            }
            rounds.Add(results);
        }
        return rounds;
    }

    private static ModelWeights Initial(int seed) => Model(new Random(seed),
        ("backbone.w", 70_001), ("backbone.bn.running_var", 9), ("backbone.bn.num_batches_tracked", 1), ("heads.A.w", 13), ("heads.B.w", 13));

    [Theory]
    [MemberData(nameof(Optimisers))]
    public void Server_optimisers_must_match_a_double_precision_reimplementation_over_rounds(string kind)
    {
        var strategy = Create(kind);
        var reference = new ReferenceOptimizer(kind);
        var current = Initial(1);
        var expected = current.ToDictionary(t => t.Name, t => t.Data.Select(v => (double)v).ToArray());
        foreach (var results in Rounds(2))
        {
            current = strategy.AggregateFit(1, Phases.Heads, current, results, []);
            expected = reference.Step(expected, results);
            Close(expected, current, 2e-4);
        }
    }

    [Theory]
    [MemberData(nameof(Optimisers))]
    public void Server_optimisers_must_give_the_same_bits_streamed_in_any_arrival_order_and_on_any_thread_count(string kind)
    {
        var rounds = Rounds(3);
        ModelWeights Run(Func<FedOpt, ModelWeights, List<FitRes>, ModelWeights> aggregate, int? threads)
        {
            var strategy = Create(kind, threads);
            var current = Initial(4);
            foreach (var results in rounds) current = aggregate(strategy, current, results);
            return current;
        }
        var batch = Run((s, c, r) => s.AggregateFit(1, Phases.Heads, c, r, []), 1);
        SameBits(batch, Run((s, c, r) => Stream(s, c, r), 2));
        SameBits(batch, Run((s, c, r) => s.AggregateFit(1, Phases.Heads, c, r.AsEnumerable().Reverse().ToList(), []), 3));
    }

    [Theory]
    [MemberData(nameof(Optimisers))]
    public void Server_optimisers_must_leave_tensors_no_update_carried_and_give_statistics_plain_FedAvg(string kind)
    {
        var strategy = Create(kind);
        var rounds = Rounds(5);
        var current = strategy.AggregateFit(1, Phases.Heads, Initial(6), rounds[0], []);
        var next = strategy.AggregateFit(2, Phases.Heads, current, rounds[1], []); // no task-B client
        Assert.Same(current["heads.B.w"].Data, next["heads.B.w"].Data);
        var state = strategy.SaveState();
        Assert.Equal(1f, state["step/heads.B.w"].Data[0]);
        Assert.Equal(2f, state["step/heads.A.w"].Data[0]);
        Assert.Equal(2f, state["step/backbone.w"].Data[0]);
        Assert.DoesNotContain(state.Names, n => n.Contains("running_var", StringComparison.Ordinal) || n.Contains("num_batches", StringComparison.Ordinal));
        var fedAvg = new FedAvg().AggregateFit(2, Phases.Heads, current, rounds[1], []);
        SameBits(W(("a", fedAvg["backbone.bn.running_var"].Data), ("b", fedAvg["backbone.bn.num_batches_tracked"].Data)),
            W(("a", next["backbone.bn.running_var"].Data), ("b", next["backbone.bn.num_batches_tracked"].Data)));
    }

    [Theory]
    [MemberData(nameof(Optimisers))]
    public void Server_state_must_round_trip_so_that_a_resumed_run_gives_the_same_bits(string kind)
    {
        var rounds = Rounds(7);
        var uninterrupted = Create(kind);
        var current = Initial(8);
        current = uninterrupted.AggregateFit(1, Phases.Heads, current, rounds[0], []);
        current = uninterrupted.AggregateFit(2, Phases.Heads, current, rounds[1], []);
        var saved = uninterrupted.SaveState();
        var savedHash = saved.ContentHash();
        var atCheckpoint = current;
        current = uninterrupted.AggregateFit(3, Phases.Heads, current, rounds[2], []);
        Assert.Equal(savedHash, saved.ContentHash()); // later rounds do not write into a saved state

        var resumed = Create(kind);
        resumed.LoadState(saved);
        Assert.Equal(savedHash, resumed.SaveState().ContentHash());
        SameBits(current, resumed.AggregateFit(3, Phases.Heads, atCheckpoint, rounds[2], []));
        Assert.Equal(savedHash, saved.ContentHash()); // nor does the strategy that loaded it

        // A fresh strategy's state loads, and leaves it fresh.
        var fresh = Create(kind);
        fresh.LoadState(Create(kind).SaveState());
        Assert.Empty(fresh.SaveState());
    }

    [Fact]
    public void LoadState_must_refuse_a_state_it_cannot_have_saved_naming_the_tensor()
    {
        var strategy = new FedAdam();
        strategy.AggregateFit(1, Phases.SimClr, W(("w", [0f, 0f]), ("u", [1f])), [Res("a", 1, W(("w", [1f, 2f]), ("u", [3f])))], []);
        var state = strategy.SaveState();
        Assert.Equal(["step/w", "m/w", "v/w", "step/u", "m/u", "v/u"], state.Names);

        void Refused(ModelWeights bad, string named)
        {
            var error = Assert.Throws<ArgumentException>(() => new FedAdam().LoadState(bad));
            Assert.Contains(named, error.Message, StringComparison.Ordinal);
        }
        Refused(new ModelWeights(state.Where(t => t.Name != "v/w")), "'v/w'");
        Refused(new ModelWeights(state.Where(t => t.Name != "step/u")), "'step/u'");
        Refused(new ModelWeights([.. state, new NamedTensor("momentum/w", [2], [0f, 0f])]), "'momentum/w'");
        Refused(new ModelWeights([.. state, new NamedTensor("w", [2], [0f, 0f])]), "'w'");
        Refused(new ModelWeights(state.Select(t => t.Name == "m/w" ? new NamedTensor("m/w", [3], [0f, 0f, 0f]) : t)), "'m/w'");
        Refused(new ModelWeights(state.Select(t => t.Name == "step/w" ? new NamedTensor("step/w", [1], [1.5f]) : t)), "'step/w'");
        // Into a strategy that holds another shape for the tensor.
        var held = Assert.Throws<ArgumentException>(() => strategy.LoadState(new ModelWeights(
            [new NamedTensor("step/w", [1], [1f]), new NamedTensor("m/w", [3], new float[3]), new NamedTensor("v/w", [3], new float[3])])));
        Assert.Contains("'w'", held.Message, StringComparison.Ordinal);
        // A state of another shape than the model's is refused when the model reaches it, and leaves the state as it was.
        var other = new FedAdam();
        other.LoadState(new ModelWeights([new NamedTensor("step/w", [1], [1f]), new NamedTensor("m/w", [3], new float[3]), new NamedTensor("v/w", [3], new float[3])]));
        var before = other.SaveState().ContentHash();
        var mismatch = Assert.Throws<ArgumentException>(() =>
            other.AggregateFit(2, Phases.SimClr, W(("w", [0f, 0f]), ("u", [1f])), [Res("a", 1, W(("w", [1f, 2f]), ("u", [3f])))], []));
        Assert.Contains("'w'", mismatch.Message, StringComparison.Ordinal);
        Assert.Equal(before, other.SaveState().ContentHash());
    }

    [Fact]
    public void FedAvgM_with_its_defaults_must_give_FedAvg_bits()
    {
        var random = new Random(9);
        var current = Model(random, ("w", 1_001));
        var results = Enumerable.Range(0, 6).Select(c => Res($"c{c}", random.Next(1, 50), Model(random, ("w", 1_001)))).ToList();
        SameBits(new FedAvg().AggregateFit(1, Phases.SimClr, current, results, []), new FedAvgM().AggregateFit(1, Phases.SimClr, current, results, []));
        Assert.Empty(new FedAvgM().SaveState());
    }

    [Fact]
    public void Server_optimisers_must_keep_the_current_weights_when_no_result_arrived()
    {
        var strategy = new FedAdam();
        var current = W(("w", [1f]));
        Assert.Same(current, strategy.AggregateFit(1, Phases.SimClr, current, [], []));
        Assert.Empty(strategy.SaveState());
    }

    [Fact]
    public void IsStatistic_must_match_BatchNorm_buffers_only()
    {
        Assert.True(FedOpt.IsStatistic("backbone.layer1.0.bn1.running_mean"));
        Assert.True(FedOpt.IsStatistic("bn.running_var"));
        Assert.True(FedOpt.IsStatistic("num_batches_tracked"));
        Assert.False(FedOpt.IsStatistic("backbone.bn1.weight"));
        Assert.False(FedOpt.IsStatistic("heads.running_mean_head.w"));
    }

    /// <summary>The paper's formulas in double precision, written out plainly per element.</summary>
    private sealed class ReferenceOptimizer(string kind)
    {
        private readonly Dictionary<string, (double[] M, double[] V, int T)> _state = [];

        public Dictionary<string, double[]> Step(Dictionary<string, double[]> current, List<FitRes> results)
        {
            var next = new Dictionary<string, double[]>(current);
            foreach (var (name, x) in current)
            {
                var carriers = results.Where(r => r.Weights.Contains(name)).ToList();
                if (carriers.Count == 0) continue;
                var total = carriers.Sum(r => (double)r.NumExamples);
                var average = new double[x.Length];
                for (var i = 0; i < x.Length; i++) average[i] = carriers.Sum(r => r.NumExamples * (double)r.Weights[name].Data[i]) / total;
                if (name.EndsWith("running_var", StringComparison.Ordinal) || name.EndsWith("num_batches_tracked", StringComparison.Ordinal))
                {
                    next[name] = average;
                    continue;
                }
                var (m, v, t) = _state.TryGetValue(name, out var s) ? s : (new double[x.Length], new double[x.Length], 0);
                t++;
                var y = new double[x.Length];
                for (var i = 0; i < x.Length; i++)
                {
                    var d = average[i] - x[i];
                    switch (kind)
                    {
                        case "fedavgm":
                            m[i] = 0.9 * m[i] + d;
                            y[i] = x[i] + 0.7 * m[i];
                            break;
                        case "fedadam":
                        case "fedadam-plain":
                            m[i] = 0.8 * m[i] + 0.2 * d;
                            v[i] = 0.95 * v[i] + 0.05 * d * d;
                            var eta = kind == "fedadam" ? 0.05 * Math.Sqrt(1 - Math.Pow(0.95, t)) / (1 - Math.Pow(0.8, t)) : 0.05;
                            y[i] = x[i] + eta * m[i] / (Math.Sqrt(v[i]) + 1e-4);
                            break;
                        case "fedyogi":
                            m[i] = 0.85 * m[i] + 0.15 * d;
                            v[i] -= 0.1 * d * d * Math.Sign(v[i] - d * d);
                            y[i] = x[i] + 0.02 * m[i] / (Math.Sqrt(v[i]) + 1e-3);
                            break;
                        case "fedadagrad":
                            m[i] = 0.5 * m[i] + 0.5 * d;
                            v[i] += d * d;
                            y[i] = x[i] + 0.05 * m[i] / (Math.Sqrt(v[i]) + 1e-3);
                            break;
                    }
                }
                _state[name] = (m, v, t);
                next[name] = y;
            }
            return next;
        }
    }
}
