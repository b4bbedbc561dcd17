using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using FedActors.Core;
using FedActors.Core.Strategies;

namespace FedActors.Engine.Tests;

/// <summary>Whole experiments through <see cref="Experiment.RunAsync"/>, with scripted clients instead of trainers.</summary>
public class CoordinatorSpec : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly Dictionary<string, string> NoConfig = [];
    private static readonly Dictionary<string, double> NoMetrics = [];

    private static EngineSettings Settings(string hocon = "") => EngineSettings.Create(ConfigurationFactory.ParseString(hocon));

    private static ExperimentPlan Plan(ModelWeights initial, params PhasePlan[] phases) => new("fl+ssl", phases, initial);

    private static PhasePlan SimClr(int rounds, bool evaluate = false, Dictionary<string, string>? config = null) =>
        new(Phases.SimClr, rounds, config ?? NoConfig, evaluate);

    private Task<ExperimentResult> Run(
        ExperimentPlan plan, IReadOnlyList<IFederatedClient> clients, EngineSettings settings,
        IStrategy? strategy = null, Action<RoundReport>? onRound = null, CancellationToken ct = default) =>
        Experiment.RunAsync(Sys, plan, clients, strategy ?? new FedAvg(), settings, onRound, ct).WaitAsync(Wait);

    [Fact]
    public async Task Coordinator_must_broadcast_the_fedavg_mean_as_the_next_global()
    {
        var c1 = ScriptedClient.Shifting("c1", 1f, 1);
        var c2 = ScriptedClient.Shifting("c2", 4f, 3);
        var initial = Weights.Of(("backbone.w", [0f, 10f]));
        var globals = new List<ModelWeights>();

        var result = await Run(Plan(initial, SimClr(2)), [c2, c1], Settings(), onRound: report => globals.Add(report.Global));

        Assert.Equal(2, result.Rounds.Count);
        var first = result.Rounds[0];
        Assert.Equal([3.25f, 13.25f], globals[0]["backbone.w"].Data); // (1*1 + 3*4) / 4 on top of the initial
        Assert.Equal(["c1", "c2"], first.Fits.Select(f => f.ClientId));
        Assert.Equal(3.25, first.FitMetrics["loss"]);                     // sample-weighted mean of the reported deltas
        Assert.All([c1, c2], c =>
        {
            var fits = c.Fits.ToArray();
            Assert.Same(initial, fits[0].Global);
            Assert.Same(globals[0], fits[1].Global);                        // round 2 starts from round 1's aggregate
        });
        Assert.Equal([6.5f, 16.5f], result.Final["backbone.w"].Data);
        Assert.Same(globals[1], result.Final);
    }

    [Fact]
    public async Task Coordinator_must_sample_only_connected_clients_and_count_the_others_unavailable()
    {
        static ScriptedClient Evaluating(string id, float delta) => new(
            id,
            (ins, _) => new FitRes(id, ins.Round, Weights.Map(ins.Global, _ => true, (_, v) => v + delta), 1, NoMetrics),
            (ins, _) => new EvaluateRes(id, ins.Round, 1, NoMetrics));
        var always = Evaluating("always", 1f);
        var late = new Switchable(Evaluating("late", 4f));
        var initial = Weights.Of(("backbone.w", [0f]));
        var reports = new List<RoundReport>();

        // "late" connects once round 2 is over: it is neither asked nor counted as failed before that.
        var result = await Run(Plan(initial, SimClr(4, evaluate: true)), [always, late], Settings(), onRound: report =>
        {
            reports.Add(report);
            if (report.Round == 2) late.Connected = true;
        });

        Assert.Equal(4, result.Rounds.Count);
        Assert.All(reports.Take(2), r =>
        {
            Assert.Equal(["always"], r.Participants);
            Assert.Equal(1, r.Counts.Unavailable);
            Assert.Empty(r.Failures);
            Assert.Equal(["always"], r.Evaluations.Select(e => e.ClientId));
        });
        Assert.All(reports.Skip(2), r =>
        {
            Assert.Equal(["always", "late"], r.Participants);
            Assert.Equal(0, r.Counts.Unavailable);
            Assert.Equal(["always", "late"], r.Evaluations.Select(e => e.ClientId));
        });
        Assert.Equal([3, 4], late.Inner.Fits.Select(f => f.Round));
        Assert.Equal([1f, 2f, 4.5f, 7f], reports.Select(r => r.Global["backbone.w"].Data[0])); // +1 alone, then the mean of +1 and +4
    }

    /// <summary>A client whose connection the test switches on and off.</summary>
    private sealed class Switchable(ScriptedClient inner) : IConnectedClient
    {
        public ScriptedClient Inner { get; } = inner;
        public volatile bool Connected;
        public bool IsConnected => Connected;
        public string Id => Inner.Id;
        public string Task => Inner.Task;
        public FitRes Fit(FitIns instructions, CancellationToken cancellation) => Inner.Fit(instructions, cancellation);
        public EvaluateRes Evaluate(EvaluateIns instructions, CancellationToken cancellation) => Inner.Evaluate(instructions, cancellation);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Coordinator_must_keep_no_per_round_weights_in_the_result_only_the_final_global(bool streaming)
    {
        var initial = Weights.Of(("backbone.w", [0f, 10f]));
        var reports = new List<RoundReport>();
        IStrategy strategy = streaming ? new FedAvg() : new InGivenOrderSum();

        var result = await Run(
            Plan(initial, SimClr(3), new PhasePlan(Phases.Supervised, 2, NoConfig, false)),
            [ScriptedClient.Shifting("c1", 1f, 1), ScriptedClient.Shifting("c2", 4f, 3)],
            Settings(),
            strategy,
            onRound: reports.Add);

        // The callback got every round whole ...
        Assert.Equal(5, reports.Count);
        Assert.All(reports, r => Assert.Equal(["backbone.w"], r.Global.Names));
        Assert.Equal(5, reports.Select(r => r.Global).Distinct().Count());
        if (!streaming) Assert.All(reports, r => Assert.All(r.Fits, f => Assert.NotEmpty(f.Weights)));
        // ... the result keeps the same rounds without any weights, and the last global once, as Final.
        Assert.Equal(reports.Select(r => (r.Phase, r.Round)), result.Rounds.Select(r => (r.Phase, r.Round)));
        Assert.All(result.Rounds, r => Assert.Same(ModelWeights.Empty, r.Global));
        Assert.All(result.Rounds, r => Assert.All(r.Fits, f => Assert.Empty(f.Weights)));
        Assert.All(result.Rounds.Zip(reports), p =>
        {
            Assert.Equal(p.Second.Fits.Select(f => (f.ClientId, f.NumExamples)), p.First.Fits.Select(f => (f.ClientId, f.NumExamples)));
            Assert.Equal(p.Second.FitMetrics, p.First.FitMetrics);
            Assert.Equal(p.Second.Participants, p.First.Participants);
            Assert.Equal(p.Second.Counts, p.First.Counts);
        });
        Assert.Same(reports[^1].Global, result.Final);
    }

    [Fact]
    public async Task Coordinator_must_average_each_task_head_only_among_its_clients()
    {
        IFederatedClient TaskClient(string id, string task, float delta, long examples) => new ScriptedClient(
            id,
            (ins, _) => new FitRes(
                id, ins.Round,
                Weights.Map(
                    ins.Global,
                    name => !name.StartsWith("heads.", StringComparison.Ordinal) || name.StartsWith($"heads.{task}.", StringComparison.Ordinal),
                    (name, v) => v + (name.StartsWith("heads.", StringComparison.Ordinal) ? 10 * delta : delta)),
                examples, new Dictionary<string, double>()),
            task: task);
        var initial = Weights.Of(("backbone.w", [0f]), ("heads.A.w", [0f]), ("heads.B.w", [0f]));

        var result = await Run(
            Plan(initial, new PhasePlan(Phases.Heads, 1, NoConfig, false)),
            [TaskClient("c1", "A", 1f, 1), TaskClient("c2", "A", 2f, 3), TaskClient("c3", "B", 4f, 2)],
            Settings());

        Assert.Equal(2.5f, result.Final["backbone.w"].Data[0]); // (1*1 + 3*2 + 2*4) / 6
        Assert.Equal(17.5f, result.Final["heads.A.w"].Data[0]); // (1*10 + 3*20) / 4
        Assert.Equal(40f, result.Final["heads.B.w"].Data[0]);   // c3 alone
    }

    [Fact]
    public async Task Coordinator_must_pass_the_phase_config_with_round_and_total_rounds_and_run_phases_in_order()
    {
        var client = ScriptedClient.Shifting("c1", 1f, 1);
        var seen = new List<(string, int)>();
        var globals = new List<ModelWeights>();
        var initial = Weights.Of(("w", [0f]));

        var result = await Run(
            Plan(initial,
                SimClr(2, config: new Dictionary<string, string> { ["epochs"] = "5" }),
                new PhasePlan(Phases.Heads, 0, NoConfig, false),
                new PhasePlan(Phases.Supervised, 1, new Dictionary<string, string> { ["lr"] = "0.1" }, false)),
            [client],
            Settings(),
            onRound: report =>
            {
                seen.Add((report.Phase, report.Round));
                globals.Add(report.Global);
            });

        Assert.Equal([(Phases.SimClr, 1), (Phases.SimClr, 2), (Phases.Supervised, 1)], seen);
        Assert.Equal(seen, result.Rounds.Select(r => (r.Phase, r.Round)));
        var fits = client.Fits.ToArray();
        Assert.Equal(
            new Dictionary<string, string> { ["epochs"] = "5", ["round"] = "2", ["total-rounds"] = "2" },
            fits[1].Config.ToDictionary());
        Assert.Equal(
            new Dictionary<string, string> { ["lr"] = "0.1", ["round"] = "1", ["total-rounds"] = "1" },
            fits[2].Config.ToDictionary());
        Assert.Equal(Phases.Supervised, fits[2].Phase);
        Assert.Same(globals[1], fits[2].Global); // the global carries over into the next phase
        Assert.Equal(3f, result.Final["w"].Data[0]);
    }

    [Fact]
    public async Task Coordinator_must_evaluate_the_new_global_each_round_when_asked()
    {
        IFederatedClient Evaluating(string id, float delta, long examples, double acc) => new ScriptedClient(
            id,
            (ins, _) => new FitRes(id, ins.Round, Weights.Map(ins.Global, _ => true, (_, v) => v + delta), examples,
                new Dictionary<string, double>()),
            (ins, _) => new EvaluateRes(id, ins.Round, examples,
                new Dictionary<string, double> { ["acc1"] = acc, ["global"] = ins.Global["w"].Data[0] }));

        var result = await Run(
            Plan(Weights.Of(("w", [0f])), SimClr(2, evaluate: true)),
            [Evaluating("c1", 2f, 1, 1.0), Evaluating("c2", 6f, 3, 0.2)],
            Settings());

        var first = result.Rounds[0];
        Assert.Equal(["c1", "c2"], first.Evaluations.Select(e => e.ClientId));
        Assert.Equal(0.4, first.EvaluateMetrics["acc1"], 12); // (1*1.0 + 3*0.2) / 4
        Assert.Equal(5.0, first.EvaluateMetrics["global"]);   // the clients evaluated the new global, (1*2 + 3*6) / 4
        Assert.Equal(10.0, result.Rounds[1].EvaluateMetrics["global"]);
        Assert.Empty(first.Failures);
    }

    [Fact]
    public async Task Coordinator_must_evaluate_every_nth_round_of_a_phase_and_its_last()
    {
        var evaluated = new List<int>();
        var client = new ScriptedClient(
            "c1",
            (ins, _) => new FitRes("c1", ins.Round, ins.Global, 1, new Dictionary<string, double>()),
            (ins, _) =>
            {
                evaluated.Add(ins.Round);
                return new EvaluateRes("c1", ins.Round, 1, new Dictionary<string, double>());
            });

        var result = await Run(Plan(Weights.Of(("w", [0f])), new PhasePlan(Phases.SimClr, 7, NoConfig, EvaluateEvery: 3)), [client], Settings());

        Assert.Equal([3, 6, 7], evaluated);
        Assert.Equal([0, 0, 1, 0, 0, 1, 1], result.Rounds.Select(r => r.Evaluations.Count));
    }

    [Fact]
    public async Task Coordinator_must_apply_a_phases_start_transform_once_before_its_first_round_and_not_on_resume()
    {
        var seen = new List<(string Phase, int Round, int Tensors)>();
        var client = new ScriptedClient(
            "c1",
            (ins, _) =>
            {
                seen.Add((ins.Phase, ins.Round, ins.Global.Count));
                return new FitRes("c1", ins.Round, ins.Global.Where(n => n == "w"), 1, new Dictionary<string, double>());
            },
            (ins, _) => new EvaluateRes("c1", ins.Round, 1, new Dictionary<string, double>()));
        var starts = 0;
        ModelWeights AddCopy(ModelWeights global)
        {
            starts++;
            return global.With(new ModelWeights([new NamedTensor("copy", [1], global["w"].Data)]));
        }
        var heads = new PhasePlan(Phases.Heads, 2, NoConfig, EvaluateEvery: 0) { OnStart = AddCopy };

        var whole = await Run(Plan(Weights.Of(("w", [0f])), SimClr(2), heads), [client], Settings());
        Assert.Equal(1, starts);
        Assert.Equal([(Phases.SimClr, 1, 1), (Phases.SimClr, 2, 1), (Phases.Heads, 1, 2), (Phases.Heads, 2, 2)], seen);
        Assert.True(whole.Final.Contains("copy"));

        // Resumed after heads round 1, from that round's global (which holds the copy already): no second transform.
        seen.Clear();
        var resumed = Plan(whole.Final, SimClr(2), heads) with { StartPhase = 1, StartAfterRound = 1 };
        await Run(resumed, [client], Settings());
        Assert.Equal(1, starts);
        Assert.Equal([(Phases.Heads, 2, 2)], seen);
    }

    [Fact]
    public async Task Coordinator_must_record_a_throwing_client_and_go_on_when_accepting_partial_rounds()
    {
        var broken = new ScriptedClient("c2", (ins, _) => ins.Round == 1
            ? throw new InvalidOperationException("disk on fire")
            : new FitRes("c2", ins.Round, Weights.Map(ins.Global, _ => true, (_, v) => v + 5f), 1, new Dictionary<string, double>()));
        var healthy = ScriptedClient.Shifting("c1", 1f, 1);

        var globals = new List<ModelWeights>();

        var result = await Run(
            Plan(Weights.Of(("w", [0f])), SimClr(2)), [healthy, broken], Settings("on-failed-round = accept-partial"),
            onRound: report => globals.Add(report.Global));

        var first = result.Rounds[0];
        var failure = Assert.Single(first.Failures);
        Assert.Equal(("c2", 1), (failure.ClientId, failure.Round));
        Assert.Contains("disk on fire", failure.Reason, StringComparison.Ordinal);
        Assert.Equal("c1", Assert.Single(first.Fits).ClientId);
        Assert.Equal(1f, globals[0]["w"].Data[0]);                  // c1 alone
        Assert.Empty(result.Rounds[1].Failures);
        Assert.Equal(4f, result.Final["w"].Data[0]);                // 1 + (1*1 + 1*5) / 2
    }

    [Fact]
    public async Task Coordinator_must_fault_the_experiment_naming_round_phase_and_failures_when_the_policy_is_stop()
    {
        var broken = new ScriptedClient("c2", (_, _) => throw new InvalidOperationException("disk on fire"));
        var reports = new List<RoundReport>();

        var error = await Assert.ThrowsAsync<RoundFailedException>(() => Run(
            Plan(Weights.Of(("w", [0f])), SimClr(3)),
            [ScriptedClient.Shifting("c1", 1f, 1), broken],
            Settings("on-failed-round = stop"),
            onRound: reports.Add));

        Assert.Equal((Phases.SimClr, 1, 1), (error.Phase, error.Round, error.Attempts));
        Assert.Contains("round 1/3 of phase 'simclr'", error.Message, StringComparison.Ordinal);
        Assert.Contains("c2: InvalidOperationException: disk on fire", error.Message, StringComparison.Ordinal);
        Assert.Equal("c2", Assert.Single(error.Failures).ClientId);
        Assert.Empty(reports);
    }

    [Fact]
    public async Task Coordinator_must_retry_a_failed_round_and_stop_once_retries_run_out()
    {
        var calls = 0;
        var flaky = new ScriptedClient("c2", (ins, _) => Interlocked.Increment(ref calls) == 1
            ? throw new TimeoutException("shard server slow")
            : new FitRes("c2", ins.Round, Weights.Map(ins.Global, _ => true, (_, v) => v + 3f), 1, new Dictionary<string, double>()));
        var healthy = ScriptedClient.Shifting("c1", 1f, 1);

        var result = await Run(
            Plan(Weights.Of(("w", [0f])), SimClr(1)), [healthy, flaky], Settings("on-failed-round = retry\nmax-retries = 1"));

        var round = Assert.Single(result.Rounds);
        Assert.Equal(2, round.Attempts);
        Assert.Empty(round.Failures);
        Assert.Equal(2f, result.Final["w"].Data[0]);
        Assert.Equal(2, healthy.Fits.Count);
        Assert.All(healthy.Fits, f => Assert.Equal(1, f.Round)); // same round number, same global

        var dead = new ScriptedClient("c2", (_, _) => throw new TimeoutException("shard server down"));
        var error = await Assert.ThrowsAsync<RoundFailedException>(() => Run(
            Plan(Weights.Of(("w", [0f])), SimClr(1)), [ScriptedClient.Shifting("c1", 1f, 1), dead],
            Settings("on-failed-round = retry\nmax-retries = 2")));
        Assert.Equal(3, error.Attempts);
        Assert.Equal(3, dead.Fits.Count);
    }

    [Fact]
    public async Task Coordinator_must_accept_a_quorum_below_all_clients()
    {
        var broken = new ScriptedClient("c3", (_, _) => throw new InvalidOperationException("no data"));

        var result = await Run(
            Plan(Weights.Of(("w", [0f])), SimClr(1)),
            [ScriptedClient.Shifting("c1", 1f, 1), ScriptedClient.Shifting("c2", 3f, 1), broken],
            Settings("min-fit-results = 2\non-failed-round = stop"));

        Assert.Equal(2f, result.Final["w"].Data[0]);
        Assert.Equal("c3", Assert.Single(result.Rounds[0].Failures).ClientId);
    }

    [Fact]
    public async Task Coordinator_must_produce_identical_results_whatever_order_the_replies_arrive_in()
    {
        // The strategy sums in the order it is given, with values whose float sum depends on that order:
        // only ordering by client id makes the outcome reproducible.
        (string Id, float Shift)[] members = [("c1", 3e30f), ("c2", 1f), ("c3", -3e30f), ("c4", 2f), ("c5", 0.1f)];
        string[][] arrivals = [["c5", "c4", "c3", "c2", "c1"], ["c3", "c1", "c5", "c2", "c4"], ["c2", "c5", "c4", "c1", "c3"]];
        var settings = Settings("trainer-slots = 5");
        var strategy = new InGivenOrderSum();

        var hashes = new List<string>();
        for (var run = 0; run < arrivals.Length; run++)
        {
            var arm = $"arrival-{run}";
            var order = new ReplyOrder(Sys, arm, arrivals[run]);
            var clients = arrivals[run].Select(id => (IFederatedClient)new ScriptedClient(id, (ins, _) =>
            {
                var shift = members.Single(m => m.Id == id).Shift;
                var result = new FitRes(id, ins.Round, Weights.Map(ins.Global, _ => true, (_, v) => v * 0.5f + shift), 1, NoMetrics);
                order.AwaitTurn(id, ins.Round);
                return result;
            })).ToList();

            var result = await Run(new ExperimentPlan(arm, [SimClr(3)], Weights.Of(("w", [1f, 2f, 3f]))), clients, settings, strategy);

            Assert.Equal(order.Expected(rounds: 3), order.Replies); // each round did receive the replies in this order
            hashes.Add(result.Final.ContentHash());
            Assert.All(result.Rounds, r => Assert.Equal(["c1", "c2", "c3", "c4", "c5"], r.Fits.Select(f => f.ClientId)));
        }
        Assert.Single(hashes.Distinct());
        Assert.Equal(9, strategy.Orders.Count);
        Assert.All(strategy.Orders, o => Assert.Equal("c1,c2,c3,c4,c5", o));
    }

    [Fact]
    public async Task Coordinator_must_stop_and_cancel_the_task_when_the_token_fires()
    {
        using var cts = new CancellationTokenSource();
        IActorRef? coordinator = null;
        var slow = new ScriptedClient("c1", (ins, ct) =>
        {
            coordinator ??= Sys.ActorSelection("/user/experiment-stopping-*").ResolveOne(Wait).GetAwaiter().GetResult();
            ct.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(50));
            return new FitRes("c1", ins.Round, ins.Global, 1, new Dictionary<string, double>());
        });

        var run = Run(new ExperimentPlan("stopping", [SimClr(1000)], Weights.Of(("w", [0f]))), [slow], Settings(),
            onRound: r => { if (r.Round == 2) cts.Cancel(); }, ct: cts.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        // The coordinator is gone, and its client actors with it; the fit of a round it had already started may
        // still have been queued on the trainer, which serves this last item after everything queued before it.
        Watch(coordinator!);
        ExpectTerminated(coordinator!, Wait);
        await TrainerPool.For(Sys, 1).Run(_ => 0, turn: new TrainerTurn(long.MaxValue, "")).WaitAsync(Wait);
        // Rounds 1 and 2 ran; the cancel came in round 2's report, after which round 3 at most had begun.
        Assert.InRange(slow.Fits.Count, 2, 3);
        Assert.Equal(slow.Fits.Select((f, i) => i + 1), slow.Fits.Select(f => f.Round));
    }

    [Fact]
    public async Task Experiment_must_reject_impossible_plans_before_starting()
    {
        var plan = Plan(Weights.Of(("w", [0f])), SimClr(1));
        var c1 = ScriptedClient.Shifting("c1", 1f, 1);

        await Assert.ThrowsAsync<ArgumentException>(() => Run(plan, [], Settings()));
        await Assert.ThrowsAsync<ArgumentException>(() => Run(plan, [c1, ScriptedClient.Shifting("c1", 2f, 1)], Settings()));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Run(plan, [c1], Settings("min-fit-results = 2")));
        Assert.Contains("min-fit-results", error.Message, StringComparison.Ordinal);
        Assert.Empty(c1.Fits);
    }

    [Fact]
    public async Task Coordinator_must_fault_the_experiment_when_the_strategy_throws()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Run(
            Plan(Weights.Of(("w", [0f])), SimClr(2)),
            [ScriptedClient.Shifting("c1", 1f, 1)],
            Settings(),
            new ThrowingStrategy()));

        Assert.Contains("round 1/2 of phase 'simclr'", error.Message, StringComparison.Ordinal);
        Assert.Contains("shapes disagree", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Plain sums in the order given; remembers each order it saw.</summary>
    private sealed class InGivenOrderSum : IStrategy
    {
        public List<string> Orders { get; } = [];

        public string Name => "in-given-order-sum";

        public ModelWeights AggregateFit(int round, string phase, ModelWeights current, IReadOnlyList<FitRes> results, IReadOnlyList<ClientFailure> failures)
        {
            Orders.Add(string.Join(",", results.Select(r => r.ClientId)));
            return new ModelWeights(current.Select(t =>
            {
                var sum = new float[t.Data.Length];
                foreach (var r in results)
                    for (var i = 0; i < sum.Length; i++) sum[i] += r.Weights[t.Name].Data[i];
                return new NamedTensor(t.Name, t.Shape, sum);
            }));
        }

        public IReadOnlyDictionary<string, double> AggregateEvaluate(int round, IReadOnlyList<EvaluateRes> results, IReadOnlyList<ClientFailure> failures) =>
            new Dictionary<string, double>();
    }

    private sealed class ThrowingStrategy : IStrategy
    {
        public string Name => "throwing";

        public ModelWeights AggregateFit(int round, string phase, ModelWeights current, IReadOnlyList<FitRes> results, IReadOnlyList<ClientFailure> failures) =>
            throw new ArgumentException("shapes disagree");

        public IReadOnlyDictionary<string, double> AggregateEvaluate(int round, IReadOnlyList<EvaluateRes> results, IReadOnlyList<ClientFailure> failures) =>
            new Dictionary<string, double>();
    }
}
