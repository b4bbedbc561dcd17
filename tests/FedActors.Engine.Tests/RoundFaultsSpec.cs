using Akka.Configuration;
using Akka.TestKit.Xunit2;
using FedActors.Core;
using FedActors.Testing;

namespace FedActors.Engine.Tests;

/// <summary>
/// Whole experiments under faults: scripted fake clients (no model) on virtual time, so every deadline below
/// passes in milliseconds of real time.
/// </summary>
public class RoundFaultsSpec : TestKit
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public RoundFaultsSpec()
        : base(VirtualClock.Hocon)
    {
    }

    private static EngineSettings Policy(FailedRoundPolicy onFailed, int? quorum = null, int retries = 1) =>
        EngineSettings.Default with { RoundTimeout = Deadline, MinFitResults = quorum, OnFailedRound = onFailed, MaxRetries = retries };

    private static FakeFederation Three() => new(
        FakeClient.Named("a").Adds(1f),
        FakeClient.Named("b").Adds(3f),
        FakeClient.Named("c").Adds(2f));

    [Fact]
    public async Task Rounds_must_aggregate_without_a_client_that_dropped_out_once_the_deadline_passes()
    {
        var federation = Three();
        federation["b"].InRound(1, FakeAct.Drop);
        var clock = new VirtualClock(Sys);

        var result = await federation.RunAsync(Sys, FakeModel.Plan(rounds: 2), Policy(FailedRoundPolicy.Stop, quorum: 2));

        RoundOutcome.Of(result.Rounds[0]).Sampled("a", "b", "c").Aggregated("a", "c").Dropped("b").Late().Global("w", 1.5f, 1.5f);
        Assert.Equal(RoundCounts.Zero with { Dropped = 1, Failed = 1 }, result.Rounds[0].Counts);
        Assert.Contains("dropped: no reply within 00:00:30", result.Rounds[0].Failures[0].Reason, StringComparison.Ordinal);
        RoundOutcome.Of(result.Rounds[1]).Aggregated("a", "b", "c").NoFailures().Global("w", 3.5f, 3.5f);
        Assert.Equal([2], federation["b"].Fits.Select(f => f.Round));   // the drop never trained
        Assert.InRange(clock.Elapsed, Deadline, 2 * Deadline);          // only round 1 waited for its deadline
    }

    [Fact]
    public async Task Rounds_must_fail_a_client_slower_than_the_deadline_and_take_it_when_it_makes_it()
    {
        var federation = Three();
        federation["b"].InRound(1, FakeAct.DelayBy(TimeSpan.FromSeconds(50))).InRound(2, FakeAct.DelayBy(TimeSpan.FromSeconds(20)));

        var result = await federation.RunAsync(Sys, FakeModel.Plan(rounds: 2), Policy(FailedRoundPolicy.AcceptPartial));

        RoundOutcome.Of(result.Rounds[0]).Aggregated("a", "c").Late("b").Dropped();
        Assert.Equal(1, result.Rounds[0].Counts.Late);
        Assert.Equal([1, 2], federation["b"].Fits.Select(f => f.Round)); // it did train in round 1, too late
        RoundOutcome.Of(result.Rounds[1]).Aggregated("a", "b", "c").NoFailures();
    }

    [Fact]
    public async Task Rounds_must_end_at_the_deadline_and_cancel_the_work_of_a_client_that_hangs()
    {
        // c2's first fit blocks its trainer thread until it is cancelled: only the round's deadline can end round 1.
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hanging = new ScriptedClient("c2", (ins, ct) =>
        {
            if (ins.Round == 1)
            {
                ct.WaitHandle.WaitOne(TimeSpan.FromSeconds(20));
                if (ct.IsCancellationRequested) cancelled.TrySetResult();
                ct.ThrowIfCancellationRequested();
            }
            return new FitRes("c2", ins.Round, ins.Global, 1, new Dictionary<string, double>());
        });
        var quick = ScriptedClient.Shifting("c1", 1f, 1);
        var clock = new VirtualClock(Sys);

        var run = Experiment.RunAsync(
            Sys, FakeModel.Plan(rounds: 2), [quick, hanging], new Core.Strategies.FedAvg(),
            Policy(FailedRoundPolicy.AcceptPartial) with { TrainerSlots = 2 });
        // Time moves a second per 25 ms of quiet: the 30 s deadline gives round 2's instant replies 30 quiet periods.
        var result = await clock.RunAsync(run, TimeSpan.FromSeconds(1), () => quick.Fits.Count + hanging.Fits.Count);

        RoundOutcome.Of(result.Rounds[0]).Aggregated("c1").Late("c2");
        Assert.Equal(FailureReasons.Deadline + Deadline, result.Rounds[0].Failures[0].Reason);
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(20));      // the deadline cancelled the hanging fit
        RoundOutcome.Of(result.Rounds[1]).Aggregated("c1", "c2").NoFailures();
        Assert.InRange(clock.Elapsed, Deadline, 2 * Deadline);          // round 1 waited for its deadline, round 2 did not
    }

    [Fact]
    public async Task Rounds_must_miss_a_client_configured_five_times_slower_than_the_deadline_allows()
    {
        var faults = FaultSettings.Create(ConfigurationFactory.ParseString("""
            clients = [{ id = "b", slowdown = 5.0 }]
            nominal-fit-time = 10s
            """));
        var federation = Three().With(faults);

        var result = await federation.RunAsync(Sys, FakeModel.Plan(rounds: 3), Policy(FailedRoundPolicy.Stop, quorum: 2));

        Assert.All(result.Rounds, r => RoundOutcome.Of(r).Aggregated("a", "c").Late("b"));  // 50 s > 30 s, every round
        Assert.Equal(3, result.Rounds.Sum(r => r.Counts.Late));
    }

    [Theory]
    [InlineData(FailedRoundPolicy.Stop)]
    [InlineData(FailedRoundPolicy.Retry)]
    [InlineData(FailedRoundPolicy.AcceptPartial)]
    public async Task Rounds_must_apply_the_policy_when_the_quorum_is_not_met(FailedRoundPolicy policy)
    {
        var federation = Three();
        federation["b"].InRound(1, FakeAct.Throw("disk on fire"));
        federation["c"].InRound(1, FakeAct.Drop);
        var settings = Policy(policy, quorum: 2, retries: 2);

        var run = federation.RunAsync(Sys, FakeModel.Plan(rounds: 2), settings);

        if (policy == FailedRoundPolicy.AcceptPartial)
        {
            var result = await run;
            RoundOutcome.Of(result.Rounds[0]).Aggregated("a").Failed("b", "disk on fire").Dropped("c").Attempts(1).Global("w", 1f, 1f);
            RoundOutcome.Of(result.Rounds[1]).NoFailures();
            return;
        }
        var error = await Assert.ThrowsAsync<RoundFailedException>(() => run);
        var attempts = policy == FailedRoundPolicy.Retry ? 3 : 1;
        Assert.Equal((1, attempts), (error.Round, error.Attempts));
        Assert.Equal(["b", "c"], error.Failures.Select(f => f.ClientId));
        Assert.Contains("got 1 of 2 required fit results", error.Message, StringComparison.Ordinal);
        Assert.Contains("b: InvalidOperationException: disk on fire", error.Message, StringComparison.Ordinal);
        Assert.Equal(attempts, federation["a"].Fits.Count);
    }

    [Fact]
    public async Task Rounds_must_succeed_on_a_retry_that_draws_no_fault()
    {
        var federation = Three();
        federation["b"].InRound(1, FakeAct.Drop, attempt: 1);

        var result = await federation.RunAsync(Sys, FakeModel.Plan(rounds: 1), Policy(FailedRoundPolicy.Retry));

        RoundOutcome.Of(result.Rounds[0]).Attempts(2).Aggregated("a", "b", "c").NoFailures().Global("w", 2f, 2f);
        Assert.Equal(1, result.Rounds[0].Counts.Dropped); // the first attempt's drop is still counted
        var fits = federation["a"].Fits;
        Assert.Equal(2, fits.Count);
        Assert.Same(fits[0].Global, fits[1].Global);       // the retry starts from the same global
    }

    [Fact]
    public async Task Rounds_must_keep_the_global_when_every_client_fails_and_policy_accepts_it()
    {
        var federation = new FakeFederation(
            FakeClient.Named("a").InRound(1, FakeAct.Throw("no data")),
            FakeClient.Named("b").InRound(1, FakeAct.Crash),
            FakeClient.Named("c").InRound(1, FakeAct.SendNaN));
        var initial = FakeModel.Weights(("w", [5f, 6f]));

        var result = await federation.RunAsync(Sys, FakeModel.Plan(rounds: 2, initial), Policy(FailedRoundPolicy.AcceptPartial));

        RoundOutcome.Of(result.Rounds[0]).Aggregated().Failed("a", "no data").Crashed("b").Rejected("c", "NaN").Global("w", 5f, 6f);
        Assert.Equal(new RoundCounts(Unavailable: 0, Dropped: 0, Late: 0, Rejected: 1, Restarts: 1, Failed: 3), result.Rounds[0].Counts);
        RoundOutcome.Of(result.Rounds[1]).Aggregated("a", "b", "c").Global("w", 6f, 7f);
    }

    [Fact]
    public async Task Rounds_must_stop_naming_every_client_when_every_client_fails()
    {
        var federation = new FakeFederation(
            FakeClient.Named("a").Always(FakeAct.Throw("no data")),
            FakeClient.Named("b").Always(FakeAct.Drop));

        var error = await Assert.ThrowsAsync<RoundFailedException>(
            () => federation.RunAsync(Sys, FakeModel.Plan(rounds: 2), Policy(FailedRoundPolicy.Stop, quorum: 1)));

        Assert.Contains("got 0 of 1 required", error.Message, StringComparison.Ordinal);
        Assert.Contains("a: InvalidOperationException: no data", error.Message, StringComparison.Ordinal);
        Assert.Contains("b: dropped: no reply within", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rounds_must_restart_a_crashed_client_with_its_state_and_count_it()
    {
        var federation = Three();
        federation["b"].InRound(2, FakeAct.Crash);
        var reports = new List<RoundReport>();

        var result = await federation.RunAsync(
            Sys, FakeModel.Plan(rounds: 3, evaluate: true), Policy(FailedRoundPolicy.AcceptPartial), onRound: reports.Add);

        RoundOutcome.Of(result.Rounds[1]).Aggregated("a", "c").Crashed("b").Restarts(1);
        Assert.StartsWith("crashed: client 'b': simulated crash", result.Rounds[1].Failures[0].Reason, StringComparison.Ordinal);
        RoundOutcome.Of(result.Rounds[2]).Aggregated("a", "b", "c").NoFailures().Restarts(0);
        Assert.Equal([1, 3], federation["b"].Fits.Select(f => f.Round));         // one client object throughout
        Assert.Equal([1, 2, 3], federation["b"].Evaluations.Select(e => e.Round)); // the restarted actor still evaluates
        Assert.Equal(["a", "b", "c"], result.Rounds[1].Evaluations.Select(e => e.ClientId));
        Assert.Equal(result.Rounds.Select(r => r.Counts), reports.Select(r => r.Counts));
    }

    [Fact]
    public async Task Rounds_must_ignore_stale_and_duplicate_replies_and_count_them_in_the_report()
    {
        var echo = new EchoingClient(Sys, "a");
        var b = ScriptedClient.Shifting("b", 3f, 1);
        var holdB = new HeldClient("b", TimeSpan.FromSeconds(10)); // keeps each round open while "a" misbehaves
        var reports = new List<RoundReport>();
        var run = Experiment.RunAsync(
            Sys, FakeModel.Plan(rounds: 3), [echo, b], new Core.Strategies.FedAvg(), Policy(FailedRoundPolicy.Stop), holdB,
            reports.Add);

        var result = await new VirtualClock(Sys).RunAsync(run, TimeSpan.FromSeconds(1), () => echo.Calls + b.Fits.Count);

        RoundOutcome.Of(result.Rounds[0]).Aggregated("a", "b").NoFailures();
        RoundOutcome.Of(reports[0]).Global("w", 2f, 2f);
        Assert.Equal((1, 1), (result.Rounds[0].StaleReplies, result.Rounds[0].DuplicateReplies)); // unknown round id; its real reply
        Assert.Equal((1, 0), (result.Rounds[1].StaleReplies, result.Rounds[1].DuplicateReplies)); // a reply to round 1, after it ended
        Assert.Equal((0, 0), (result.Rounds[2].StaleReplies, result.Rounds[2].DuplicateReplies));
        RoundOutcome.Of(reports[2]).Global("w", 6f, 6f);
    }

    [Fact]
    public async Task Rounds_must_reject_poisoned_and_misshaped_updates_before_aggregation()
    {
        var federation = new FakeFederation(
            FakeClient.Named("a").Adds(1f),
            FakeClient.Named("nan").InRound(1, FakeAct.SendNaN),
            FakeClient.Named("shape").InRound(1, FakeAct.SendMisshaped),
            FakeClient.Named("extra").InRound(1, FakeAct.SendUnknownTensor),
            FakeClient.Named("boost").InRound(1, FakeAct.SendScaled(1000f)),
            FakeClient.Named("none").InRound(1, FakeAct.Reply).WithExamples(0));
        var settings = Policy(FailedRoundPolicy.AcceptPartial) with { MaxUpdateNorm = 100 };

        var result = await federation.RunAsync(Sys, FakeModel.Plan(rounds: 1), settings);

        RoundOutcome.Of(result.Rounds[0])
            .Aggregated("a")
            .Global("w", 1f, 1f)                      // a's update alone: none of the others reached the global
            .Rejected("nan", "tensor 'w' holds NaN at index 0")
            .Rejected("shape", "tensor 'w' has shape [3], the global [2]")
            .Rejected("extra", "unknown tensor 'fake.unknown'")
            .Rejected("boost", "update norm 1414.21 exceeds the bound 100")
            .Rejected("none", "reports 0 examples");
        Assert.Equal(5, result.Rounds[0].Counts.Rejected);
    }

    [Fact]
    public async Task Rounds_must_refuse_a_sample_count_above_the_clients_known_shard()
    {
        var federation = new FakeFederation(
            FakeClient.Named("honest").Adds(1f).WithShard(100).WithExamples(100),
            FakeClient.Named("inflated").Adds(1000f).WithShard(100).WithExamples(1_000_000_000),
            FakeClient.Named("undeclared").Adds(3f).WithExamples(300));
        var settings = Policy(FailedRoundPolicy.AcceptPartial);

        var result = await federation.RunAsync(Sys, FakeModel.Plan(rounds: 1), settings);

        RoundOutcome.Of(result.Rounds[0])
            .Aggregated("honest", "undeclared")
            .Global("w", 2.5f, 2.5f) // (100 * 1 + 300 * 3) / 400: the inflated update never weighed in
            .Rejected("inflated", "examples: reports 1000000000 examples; its shard holds 100");
        Assert.Equal(1, result.Rounds[0].Counts.Rejected);
    }

    [Fact]
    public async Task Rounds_must_not_count_rejected_updates_towards_the_quorum()
    {
        var federation = Three();
        federation["c"].InRound(1, FakeAct.SendNaN);

        var error = await Assert.ThrowsAsync<RoundFailedException>(
            () => federation.RunAsync(Sys, FakeModel.Plan(rounds: 1), Policy(FailedRoundPolicy.Stop, quorum: 3)));

        Assert.Contains("got 2 of 3 required", error.Message, StringComparison.Ordinal);
        Assert.StartsWith(FailureReasons.Rejected, Assert.Single(error.Failures).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rounds_must_complete_20_rounds_under_30_percent_random_dropout_counting_every_drop()
    {
        const long seed = 11;
        string[] ids = ["c0", "c1", "c2", "c3", "c4"];
        var federation = new FakeFederation([.. ids.Select((id, i) => FakeClient.Named(id).Adds(i))])
            .With(FaultSettings.Create(ConfigurationFactory.ParseString("all-clients.drop-probability = 0.3")));
        var plan = FakeModel.Plan(rounds: 20, seed: seed);

        var result = await federation.RunAsync(Sys, plan, Policy(FailedRoundPolicy.AcceptPartial, quorum: 1));

        Assert.Equal(20, result.Rounds.Count);
        // The documented draw, recomputed: client c drops in round r when Derive(seed, "drop/<phase>/<attempt>", c, r) says so.
        var expected = (
            from round in Enumerable.Range(1, 20)
            from id in ids
            where (Seeds.Derive(seed, $"drop/{Phases.SimClr}/1", id, round) >> 10) * (1.0 / (1L << 53)) < 0.3
            select (round, id)).ToHashSet();
        var dropped = result.Rounds.SelectMany(r => r.Failures.Where(f => FailureReasons.IsDropped(f.Reason)).Select(f => (r.Round, f.ClientId))).ToHashSet();
        Assert.Equal(expected, dropped);
        Assert.Equal(expected.Count, result.Rounds.Sum(r => r.Counts.Dropped));
        Assert.InRange(expected.Count, 16, 44);     // 30 expected of 100 draws
        Assert.All(result.Rounds, r =>
        {
            Assert.Equal(ids, r.Fits.Select(f => f.ClientId).Concat(r.Failures.Select(f => f.ClientId)).Order(StringComparer.Ordinal));
            Assert.Equal(0, r.Counts.Late);
        });
    }

    [Fact]
    public async Task Faulty_runs_must_repeat_exactly_with_the_same_seed()
    {
        var faults = FaultSettings.Create(ConfigurationFactory.ParseString("""
            all-clients { drop-probability = 0.2, crash-probability = 0.1, availability = 0.9 }
            """));
        async Task<string> Run(long seed)
        {
            var federation = new FakeFederation([.. Enumerable.Range(0, 4).Select(i => FakeClient.Named($"c{i}").Adds(i + 1))]).With(faults);
            var settings = Policy(FailedRoundPolicy.AcceptPartial) with { SampleFraction = 0.75 };
            var result = await federation.RunAsync(Sys, FakeModel.Plan(rounds: 8, seed: seed), settings);
            return string.Join("\n", result.Rounds.Select(r =>
                $"{string.Join(",", r.Participants)} | {string.Join(",", r.Failures.Select(f => f.ClientId + ":" + f.Reason.Split(':')[0]))} | {r.Counts} | {r.Global.ContentHash()}"));
        }

        var first = await Run(3);

        Assert.Equal(first, await Run(3));
        Assert.NotEqual(first, await Run(4));
    }

    [Fact]
    public async Task Sampling_must_be_fixed_by_the_seed_while_every_client_evaluates()
    {
        string[] ids = [.. Enumerable.Range(0, 10).Select(i => $"c{i}")];
        var settings = Policy(FailedRoundPolicy.Stop) with { SampleFraction = 0.3 };
        async Task<ExperimentResult> Run(long seed) =>
            await new FakeFederation([.. ids.Select(id => FakeClient.Named(id))])
                .RunAsync(Sys, FakeModel.Plan(rounds: 5, evaluate: true, seed: seed), settings);

        var first = await Run(1);
        var again = await Run(1);
        var other = await Run(2);

        Assert.Equal(first.Rounds.Select(r => r.Participants), again.Rounds.Select(r => r.Participants));
        Assert.NotEqual(first.Rounds.Select(r => string.Join(",", r.Participants)), other.Rounds.Select(r => string.Join(",", r.Participants)));
        foreach (var round in first.Rounds)
        {
            var documented = ClientSampling.Sample(ids, 0.3, 1, Seeds.Derive(1, $"sample/{Phases.SimClr}/1", "", round.Round));
            Assert.Equal(documented, round.Participants);
            RoundOutcome.Of(round).Aggregated([.. documented]).NoFailures();
            Assert.Equal(ids, round.Evaluations.Select(e => e.ClientId));
        }
    }

    [Fact]
    public async Task Sampling_must_pick_only_available_clients_and_count_the_others()
    {
        var federation = Three();
        federation["b"].InRound(1, FakeAct.Unavailable);

        var result = await federation.RunAsync(Sys, FakeModel.Plan(rounds: 2), Policy(FailedRoundPolicy.Stop));

        RoundOutcome.Of(result.Rounds[0]).Sampled("a", "c").Aggregated("a", "c").NoFailures();
        Assert.Equal(1, result.Rounds[0].Counts.Unavailable);
        RoundOutcome.Of(result.Rounds[1]).Sampled("a", "b", "c");
    }

    [Fact]
    public async Task Experiment_must_refuse_drops_without_a_deadline_and_a_quorum_above_the_sample()
    {
        var federation = Three();
        federation["b"].InRound(1, FakeAct.Drop);

        var noDeadline = await Assert.ThrowsAsync<ArgumentException>(() => federation.RunAsync(
            Sys, FakeModel.Plan(rounds: 1), Policy(FailedRoundPolicy.Stop) with { RoundTimeout = Timeout.InfiniteTimeSpan }));
        var quorum = await Assert.ThrowsAsync<ArgumentException>(() => Three().RunAsync(
            Sys, FakeModel.Plan(rounds: 1), Policy(FailedRoundPolicy.Stop, quorum: 2) with { SampleFraction = 0.2 }));

        Assert.Contains("round-timeout", noDeadline.Message, StringComparison.Ordinal);
        Assert.Contains("exceeds the 1 clients sampled per round", quorum.Message, StringComparison.Ordinal);
        Assert.Empty(federation["a"].Fits);
    }

    /// <summary>
    /// Adds 1. In round 1 it first sends the round, as its own actor, a copy of the reply it is about to give (so
    /// its real reply arrives as a duplicate) and a reply for a round id that does not exist (stale); in round 2
    /// it answers round 1 again, after that round ended.
    /// </summary>
    private sealed class EchoingClient(Akka.Actor.ActorSystem system, string id) : IFederatedClient
    {
        private Akka.Actor.IActorRef _self = Akka.Actor.ActorRefs.Nobody;
        private Akka.Actor.IActorRef _firstRound = Akka.Actor.ActorRefs.Nobody;
        private long _calls;

        public string Id => id;
        public string Task => "A";
        public long Calls => Interlocked.Read(ref _calls);

        public FitRes Fit(FitIns instructions, CancellationToken cancellation)
        {
            var result = new FitRes(id, instructions.Round, Weights.Map(instructions.Global, _ => true, (_, v) => v + 1f), 1,
                new Dictionary<string, double>());
            if (instructions.Round == 1)
            {
                _self = Resolve($"/user/*/{id}");
                _firstRound = Resolve("/user/*/round-1");
                _firstRound.Tell(new Client.FitDone(1, result), _self);
                _firstRound.Tell(new Client.FitDone(999, result), _self);
            }
            else if (instructions.Round == 2)
            {
                _firstRound.Tell(new Client.FitDone(1, result), _self);
            }
            Interlocked.Increment(ref _calls);
            return result;
        }

        public EvaluateRes Evaluate(EvaluateIns instructions, CancellationToken cancellation) =>
            throw new NotSupportedException();

        private Akka.Actor.IActorRef Resolve(string path) =>
            system.ActorSelection(path).ResolveOne(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
    }

    /// <summary>Holds one client's replies for a while, every round.</summary>
    private sealed class HeldClient(string id, TimeSpan hold) : IFaultPlan
    {
        public bool MayDrop => false;

        public bool IsAvailable(FaultContext at) => true;

        public ClientFault OnFit(FaultContext at) => at.ClientId == id ? ClientFault.Delay(hold) : ClientFault.None;
    }
}
