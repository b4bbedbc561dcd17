using Akka.Actor;
using Akka.TestKit.Xunit2;
using FedActors.Core;

namespace FedActors.Engine.Tests;

public class ClientActorSpec : TestKit
{
    private static readonly ModelWeights Global = Weights.Of(("w", [1f, 2f]));
    private static readonly Dictionary<string, string> NoConfig = [];

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static FitIns FitIns(int round) => new(round, Phases.SimClr, Global, NoConfig);

    [Fact]
    public void ClientActor_must_run_fit_on_a_trainer_thread_and_answer_the_requester()
    {
        using var pool = new TrainerPool(1, "client-spec-trainer");
        var client = ScriptedClient.Shifting("c1", 1f, 10);
        var actor = Sys.ActorOf(ClientActor.Props(client, pool));

        actor.Tell(new Client.Fit(41, FitIns(3)));

        var done = ExpectMsg<Client.FitDone>();
        Assert.Equal(41, done.RoundId);
        Assert.Equal("c1", done.Result.ClientId);
        Assert.Equal([2f, 3f], done.Result.Weights["w"].Data);
        Assert.Same(Global, Assert.Single(client.Fits).Global);
        var thread = Assert.Single(client.Threads);
        Assert.StartsWith("client-spec-trainer-", thread.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void ClientActor_must_turn_an_exception_into_a_failure_and_keep_serving()
    {
        using var pool = new TrainerPool(1);
        var calls = 0;
        var client = new ScriptedClient("c1", (ins, _) => ++calls == 1
            ? throw new InvalidOperationException("loss is NaN")
            : new FitRes("c1", ins.Round, ins.Global, 1, new Dictionary<string, double>()));
        var actor = Sys.ActorOf(ClientActor.Props(client, pool));

        actor.Tell(new Client.Fit(1, FitIns(1)));
        var failed = ExpectMsg<Client.Failed>();
        actor.Tell(new Client.Fit(2, FitIns(2)));

        Assert.Equal((1L, RoundStage.Fit, "c1"), (failed.RoundId, failed.Stage, failed.ClientId));
        Assert.Contains("loss is NaN", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(2, ExpectMsg<Client.FitDone>().RoundId);
    }

    [Fact]
    public void ClientActor_must_serve_requests_one_at_a_time_in_order()
    {
        using var pool = new TrainerPool(2); // a free trainer for a second request, were the actor to start one
        using var firstFitRuns = new ManualResetEventSlim();
        var client = new ScriptedClient(
            "c1",
            (ins, _) =>
            {
                if (ins.Round == 1) firstFitRuns.Wait(Wait);
                return new FitRes("c1", ins.Round, ins.Global, 1, new Dictionary<string, double>());
            },
            (ins, _) => new EvaluateRes("c1", ins.Round, 5, new Dictionary<string, double> { ["acc1"] = 0.5 }));
        var actor = Sys.ActorOf(ClientActor.Props(client, pool));

        actor.Tell(new Client.Fit(1, FitIns(1)));
        actor.Tell(new Client.Evaluate(1, new EvaluateIns(1, Phases.SimClr, Global, NoConfig)));
        actor.Tell(new Client.Fit(2, FitIns(2)));
        actor.Tell(Client.GetCounters.Instance);
        // The actor has taken all three requests while the first still runs.
        Assert.Equal(0, ExpectMsg<Client.Counters>().Fits);
        firstFitRuns.Set();

        Assert.Equal(1, ExpectMsg<Client.FitDone>().RoundId);
        Assert.Equal(0.5, ExpectMsg<Client.EvaluateDone>().Result.Metrics["acc1"]);
        Assert.Equal(2, ExpectMsg<Client.FitDone>().RoundId);
        Assert.False(client.Overlapped);
    }

    [Fact]
    public void ClientActor_must_cancel_the_running_request_and_drop_queued_ones_of_the_round()
    {
        using var pool = new TrainerPool(1);
        using var started = new ManualResetEventSlim();
        var sawCancellation = false;
        var client = new ScriptedClient("c1", (ins, ct) =>
        {
            if (ins.Round == 1)
            {
                started.Set();
                sawCancellation = ct.WaitHandle.WaitOne(TimeSpan.FromSeconds(10));
                ct.ThrowIfCancellationRequested();
            }
            return new FitRes("c1", ins.Round, ins.Global, 1, new Dictionary<string, double>());
        });
        var actor = Sys.ActorOf(ClientActor.Props(client, pool));

        actor.Tell(new Client.Fit(7, FitIns(1)));
        actor.Tell(new Client.Evaluate(7, new EvaluateIns(1, Phases.SimClr, Global, NoConfig)));
        actor.Tell(new Client.Fit(8, FitIns(2)));
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
        actor.Tell(new Client.Cancel(7));

        Assert.Equal(8, ExpectMsg<Client.FitDone>().RoundId); // round 7's outcome is dropped, its evaluate never runs
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.True(sawCancellation);
        Assert.Empty(client.Evaluations);
        Assert.Equal([1, 2], client.Fits.Select(f => f.Round));
    }

    [Fact]
    public void ClientActor_must_leave_work_of_other_rounds_alone_when_asked_to_cancel()
    {
        using var pool = new TrainerPool(1);
        using var release = new ManualResetEventSlim();
        var client = new ScriptedClient("c1", (ins, ct) =>
        {
            release.Wait(TimeSpan.FromSeconds(10), CancellationToken.None);
            return new FitRes("c1", ins.Round, ins.Global, 1, new Dictionary<string, double>());
        });
        var actor = Sys.ActorOf(ClientActor.Props(client, pool));

        actor.Tell(new Client.Fit(3, FitIns(1)));
        actor.Tell(new Client.Fit(4, FitIns(2)));
        actor.Tell(new Client.Cancel(2));
        actor.Tell(new Client.Cancel(4));
        release.Set();

        Assert.Equal(3, ExpectMsg<Client.FitDone>().RoundId);
        actor.Tell(new Client.Fit(5, FitIns(3)));
        Assert.Equal(5, ExpectMsg<Client.FitDone>().RoundId); // next in line: round 4's request was dropped
        Assert.Equal([1, 3], client.Fits.Select(f => f.Round));
    }
}
