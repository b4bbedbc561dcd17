using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using FedActors.Core;

namespace FedActors.Engine.Tests;

/// <summary>Every way a round ends, with TestProbes standing in for the client actors and virtual time for deadlines.</summary>
public class RoundActorSpec : TestKit
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(10);
    private static readonly ModelWeights Global = Weights.Of(("w", [0f]));
    private static readonly FitIns Fit = new(4, Phases.SimClr, Global, new Dictionary<string, string> { ["round"] = "4" });

    public RoundActorSpec()
        : base("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"")
    {
    }

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private static FitRes Result(string client, float value, long examples = 1) =>
        new(client, 4, Weights.Of(("w", [value])), examples, new Dictionary<string, double>());

    private static EvaluateRes Evaluation(string client, double acc) =>
        new(client, 4, 10, new Dictionary<string, double> { ["acc1"] = acc });

    private (IActorRef Round, Dictionary<string, TestProbe> Probes) StartRound(long roundId, bool evaluate, params string[] clients) =>
        StartRound(roundId, evaluate, false, clients);

    private (IActorRef Round, Dictionary<string, TestProbe> Probes) StartRound(long roundId, bool evaluate, bool stream, params string[] clients)
    {
        var probes = clients.ToDictionary(c => c, c => CreateTestProbe(c));
        var round = Sys.ActorOf(RoundActor.Props(
            roundId, Fit, probes.ToDictionary(p => p.Key, p => p.Value.Ref), TestActor, Deadline, evaluate, streamFits: stream));
        Watch(round);
        foreach (var probe in probes.Values)
        {
            var request = probe.ExpectMsg<Client.Fit>();
            Assert.Equal(roundId, request.RoundId);
            Assert.Same(Fit, request.Instructions);
        }
        return (round, probes);
    }

    [Fact]
    public void Round_must_report_every_fit_ordered_by_client_when_all_reply()
    {
        var (round, p) = StartRound(1, false, "c2", "c1");

        p["c2"].Reply(new Client.FitDone(1, Result("c2", 2f)));
        p["c1"].Reply(new Client.FitDone(1, Result("c1", 1f)));

        var report = ExpectMsg<Round.FitsCollected>();
        Assert.Equal(1, report.RoundId);
        Assert.Equal(["c1", "c2"], report.Fits.Select(f => f.ClientId));
        Assert.Empty(report.Failures);
        Assert.Equal((0, 0), (report.Stale, report.Duplicates));
        ExpectTerminated(round);
    }

    [Fact]
    public void Round_that_streams_must_pass_each_fit_on_at_once_and_keep_none_of_its_weights()
    {
        var (round, p) = StartRound(6, false, true, "c1", "c2", "c3", "c4");

        var c3 = Result("c3", 3f);
        p["c3"].Reply(new Client.FitDone(6, c3));
        Assert.Same(c3, ExpectMsg<Round.FitReceived>(m => m.RoundId == 6).Result); // before anyone else replied
        p["c3"].Reply(new Client.FitDone(6, Result("c3", 30f)));                   // a duplicate is not passed on
        p["c1"].Reply(new Client.Failed(6, RoundStage.Fit, "c1", "boom"));
        Assert.Equal("c1", ExpectMsg<Round.FitFailed>().ClientId);
        p["c2"].Reply(new Client.FitDone(6, Result("c9", 9f)));                    // names another client: a failure
        Assert.Equal("c2", ExpectMsg<Round.FitFailed>().ClientId);
        p["c4"].Reply(new Client.FitDone(6, Result("c4", 4f)));
        Assert.Equal("c4", ExpectMsg<Round.FitReceived>().Result.ClientId);

        var report = ExpectMsg<Round.FitsCollected>();
        Assert.Equal(["c3", "c4"], report.Fits.Select(f => f.ClientId));
        Assert.All(report.Fits, f => Assert.Same(ModelWeights.Empty, f.Weights));
        Assert.Equal(["c1", "c2"], report.Failures.Select(f => f.ClientId));
        Assert.Equal(1, report.Duplicates);
        ExpectTerminated(round);
    }

    [Fact]
    public void Round_must_record_a_failure_when_a_participant_terminates()
    {
        var (round, p) = StartRound(2, false, "c1", "c2");

        p["c1"].Reply(new Client.FitDone(2, Result("c1", 1f)));
        Sys.Stop(p["c2"].Ref);

        var report = ExpectMsg<Round.FitsCollected>();
        Assert.Equal("c1", Assert.Single(report.Fits).ClientId);
        var failure = Assert.Single(report.Failures);
        Assert.Equal(("c2", 4), (failure.ClientId, failure.Round));
        Assert.Contains("terminated", failure.Reason, StringComparison.Ordinal);
        ExpectTerminated(round);
    }

    [Fact]
    public void Round_must_record_a_failure_the_client_reports()
    {
        var (_, p) = StartRound(3, false, "c1", "c2");

        p["c1"].Reply(new Client.Failed(3, RoundStage.Fit, "c1", "InvalidOperationException: loss is NaN"));
        p["c2"].Reply(new Client.FitDone(3, Result("c2", 2f)));

        var report = ExpectMsg<Round.FitsCollected>();
        Assert.Equal("c2", Assert.Single(report.Fits).ClientId);
        Assert.Equal(new ClientFailure("c1", 4, "InvalidOperationException: loss is NaN"), Assert.Single(report.Failures));
    }

    [Fact]
    public void Round_must_fail_the_pending_participants_at_the_deadline_and_ask_them_to_cancel()
    {
        var (round, p) = StartRound(4, false, "c1", "c2", "c3");
        p["c2"].Reply(new Client.FitDone(4, Result("c2", 2f)));

        Scheduler.Advance(Deadline - TimeSpan.FromSeconds(1));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Scheduler.Advance(TimeSpan.FromSeconds(1));

        var report = ExpectMsg<Round.FitsCollected>();
        Assert.Equal("c2", Assert.Single(report.Fits).ClientId);
        Assert.Equal(["c1", "c3"], report.Failures.Select(f => f.ClientId));
        Assert.All(report.Failures, f => Assert.Contains("no reply within", f.Reason, StringComparison.Ordinal));
        Assert.Equal(4, p["c1"].ExpectMsg<Client.Cancel>().RoundId);
        Assert.Equal(4, p["c3"].ExpectMsg<Client.Cancel>().RoundId);
        p["c2"].ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        ExpectTerminated(round);
    }

    [Fact]
    public void Round_must_ignore_and_count_stale_and_duplicate_replies()
    {
        var (round, p) = StartRound(5, false, "c1", "c2");
        var stranger = CreateTestProbe("stranger");

        p["c1"].Reply(new Client.FitDone(4, Result("c1", 100f)));                    // an older round's
        p["c1"].Reply(new Client.FitDone(5, Result("c1", 1f)));
        p["c1"].Reply(new Client.FitDone(5, Result("c1", 200f)));                    // again
        p["c1"].Reply(new Client.EvaluateDone(5, Evaluation("c1", 0.9)));           // wrong stage
        stranger.Send(round, new Client.FitDone(5, Result("c9", 9f))); // not a participant
        p["c2"].Reply(new Client.Failed(4, RoundStage.Fit, "c2", "old news"));       // an older round's
        p["c2"].Reply(new Client.FitDone(5, Result("c2", 2f)));

        var report = ExpectMsg<Round.FitsCollected>();
        Assert.Equal([1f, 2f], report.Fits.Select(f => f.Weights["w"].Data[0]));
        Assert.Empty(report.Failures);
        Assert.Equal(4, report.Stale);
        Assert.Equal(1, report.Duplicates);
    }

    [Fact]
    public void Round_must_fail_a_reply_that_names_another_client()
    {
        var (_, p) = StartRound(6, false, "c1", "c2");

        p["c1"].Reply(new Client.FitDone(6, Result("c2", 1f)));
        p["c2"].Reply(new Client.FitDone(6, Result("c2", 2f)));

        var report = ExpectMsg<Round.FitsCollected>();
        Assert.Equal("c2", Assert.Single(report.Fits).ClientId);
        Assert.Contains("replied as client 'c2'", Assert.Single(report.Failures).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Round_must_evaluate_the_new_global_among_live_participants_after_the_fits()
    {
        var (round, p) = StartRound(7, true, "c1", "c2", "c3");
        p["c1"].Reply(new Client.FitDone(7, Result("c1", 1f)));
        p["c2"].Reply(new Client.FitDone(7, Result("c2", 2f)));
        Sys.Stop(p["c3"].Ref);
        var fits = ExpectMsg<Round.FitsCollected>();
        Assert.Equal(2, fits.Fits.Count);
        p["c1"].Reply(new Client.FitDone(7, Result("c1", 1f)));                      // repeated after the stage closed

        var global = Weights.Of(("w", [1.5f]));
        var instructions = new EvaluateIns(4, Phases.SimClr, global, Fit.Config);
        round.Tell(new Round.Evaluate(7, instructions));

        Assert.Same(instructions, p["c1"].ExpectMsg<Client.Evaluate>().Instructions);
        Assert.Same(instructions, p["c2"].ExpectMsg<Client.Evaluate>().Instructions);
        p["c2"].Reply(new Client.EvaluateDone(7, Evaluation("c2", 0.25)));
        p["c2"].Reply(new Client.EvaluateDone(7, Evaluation("c2", 0.25)));          // duplicate
        p["c1"].Reply(new Client.Failed(7, RoundStage.Evaluate, "c1", "IOException: shard missing"));

        var evaluations = ExpectMsg<Round.EvaluationsCollected>();
        Assert.Equal(7, evaluations.RoundId);
        Assert.Equal("c2", Assert.Single(evaluations.Evaluations).ClientId);
        Assert.Equal(new ClientFailure("c1", 4, "IOException: shard missing"), Assert.Single(evaluations.Failures));
        Assert.Equal(2, evaluations.Duplicates);
        ExpectTerminated(round);
    }

    [Fact]
    public void Round_must_apply_the_deadline_to_the_evaluate_stage_too()
    {
        var (round, p) = StartRound(8, true, "c1", "c2");
        p["c1"].Reply(new Client.FitDone(8, Result("c1", 1f)));
        p["c2"].Reply(new Client.FitDone(8, Result("c2", 2f)));
        ExpectMsg<Round.FitsCollected>();

        round.Tell(new Round.Evaluate(8, new EvaluateIns(4, Phases.SimClr, Global, Fit.Config)));
        p["c1"].ExpectMsg<Client.Evaluate>();
        p["c2"].ExpectMsg<Client.Evaluate>();
        p["c1"].Reply(new Client.EvaluateDone(8, Evaluation("c1", 0.5)));
        Scheduler.Advance(Deadline);

        var evaluations = ExpectMsg<Round.EvaluationsCollected>();
        Assert.Equal("c1", Assert.Single(evaluations.Evaluations).ClientId);
        Assert.Equal("c2", Assert.Single(evaluations.Failures).ClientId);
        Assert.Equal(8, p["c2"].ExpectMsg<Client.Cancel>().RoundId);
        ExpectTerminated(round);
    }

    [Fact]
    public void Round_must_send_its_attempt_with_every_fit_request()
    {
        var probe = CreateTestProbe("c1");

        Sys.ActorOf(RoundActor.Props(9, Fit, new Dictionary<string, IActorRef> { ["c1"] = probe.Ref }, TestActor, Deadline, false, attempt: 3));

        var request = probe.ExpectMsg<Client.Fit>();
        Assert.Equal((9L, 3), (request.RoundId, request.Attempt));
    }

    [Fact]
    public void Round_must_ask_only_participants_to_fit_and_every_evaluator_to_evaluate()
    {
        var sampled = CreateTestProbe("sampled");
        var other = CreateTestProbe("other");
        var participants = new Dictionary<string, IActorRef> { ["c1"] = sampled.Ref };
        var everyone = new Dictionary<string, IActorRef> { ["c1"] = sampled.Ref, ["c2"] = other.Ref };
        var round = Sys.ActorOf(RoundActor.Props(10, Fit, participants, TestActor, Deadline, true, evaluators: everyone));
        Watch(round);

        sampled.ExpectMsg<Client.Fit>();
        other.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        other.Send(round, new Client.FitDone(10, Result("c2", 9f)));               // not asked to fit: stale
        sampled.Reply(new Client.FitDone(10, Result("c1", 1f)));
        var fits = ExpectMsg<Round.FitsCollected>();
        Assert.Equal("c1", Assert.Single(fits.Fits).ClientId);
        Assert.Equal(1, fits.Stale);

        round.Tell(new Round.Evaluate(10, new EvaluateIns(4, Phases.SimClr, Global, Fit.Config)));
        sampled.ExpectMsg<Client.Evaluate>();
        other.ExpectMsg<Client.Evaluate>();
        sampled.Reply(new Client.EvaluateDone(10, Evaluation("c1", 0.5)));
        Sys.Stop(other.Ref);                                                      // evaluators are watched too

        var evaluations = ExpectMsg<Round.EvaluationsCollected>();
        Assert.Equal("c1", Assert.Single(evaluations.Evaluations).ClientId);
        Assert.Equal(new ClientFailure("c2", 4, FailureReasons.Terminated), Assert.Single(evaluations.Failures));
        ExpectTerminated(round);
    }

    [Fact]
    public void Round_must_refuse_a_client_answered_for_by_different_actors()
    {
        var a = CreateTestProbe("a");
        var b = CreateTestProbe("b");

        Assert.Throws<ArgumentException>(() => RoundActor.Props(
            1, Fit, new Dictionary<string, IActorRef> { ["c1"] = a.Ref }, TestActor, Deadline, true,
            evaluators: new Dictionary<string, IActorRef> { ["c1"] = b.Ref }));
        Assert.Throws<ArgumentException>(() => RoundActor.Props(
            1, Fit, new Dictionary<string, IActorRef> { ["c1"] = a.Ref }, TestActor, Deadline, true,
            evaluators: new Dictionary<string, IActorRef> { ["c2"] = a.Ref }));
    }
}
