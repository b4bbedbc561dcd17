using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using FedActors.Core;

namespace FedActors.Engine.Tests;

/// <summary>A client actor acting out simulated faults, on virtual time, under a supervisor that restarts it.</summary>
public class ClientFaultsSpec : TestKit
{
    private static readonly ModelWeights Global = Weights.Of(("w", [1f]));
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public ClientFaultsSpec()
        : base("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"")
    {
    }

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private static Client.Fit Fit(long roundId, int round, int attempt = 1) =>
        new(roundId, new FitIns(round, Phases.SimClr, Global, new Dictionary<string, string>()), attempt);

    /// <summary>A client actor under a parent that restarts it on a crash, as the coordinator does.</summary>
    private IActorRef Spawn(IFederatedClient client, TrainerPool pool, IFaultPlan faults) =>
        ChildActorOf(
            ClientActor.Props(client, pool, faults, runSeed: 5),
            new OneForOneStrategy(e => e is ClientCrashException ? Directive.Restart : Directive.Stop));

    private Client.Counters Counters(IActorRef actor)
    {
        actor.Tell(Client.GetCounters.Instance);
        return ExpectMsg<Client.Counters>(Wait);
    }

    [Fact]
    public void ClientActor_must_take_a_dropped_request_without_answering_and_serve_the_next()
    {
        using var pool = new TrainerPool(1);
        var client = ScriptedClient.Shifting("c1", 1f, 1);
        var actor = Spawn(client, pool, new ScriptedFaults { [("c1", 1, 1)] = ClientFault.Drop });

        actor.Tell(Fit(10, round: 1));
        actor.Tell(Fit(11, round: 2));

        Assert.Equal(11, ExpectMsg<Client.FitDone>(Wait).RoundId);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal([2], client.Fits.Select(f => f.Round));    // the dropped request never trained
        Assert.Equal(new Client.Counters("c1", Fits: 1, Evaluations: 0, Failures: 0, Dropped: 1, Held: 0, Cancelled: 0, Restarts: 0), Counters(actor));
    }

    [Fact]
    public void ClientActor_must_draw_the_fault_of_the_requested_attempt()
    {
        using var pool = new TrainerPool(1);
        var actor = Spawn(ScriptedClient.Shifting("c1", 1f, 1), pool, new ScriptedFaults { [("c1", 1, 1)] = ClientFault.Drop });

        actor.Tell(Fit(10, round: 1, attempt: 1));
        actor.Tell(Fit(11, round: 1, attempt: 2));

        Assert.Equal(11, ExpectMsg<Client.FitDone>(Wait).RoundId);
    }

    [Fact]
    public void ClientActor_must_hold_a_slow_reply_in_scheduler_time_with_the_trainer_free()
    {
        using var pool = new TrainerPool(1);
        var slow = ScriptedClient.Shifting("slow", 1f, 1);
        var fast = ScriptedClient.Shifting("fast", 1f, 1);
        var faults = new ScriptedFaults { [("slow", 1, 1)] = ClientFault.Delay(TimeSpan.FromSeconds(50)) };
        var slowActor = Spawn(slow, pool, faults);
        var fastActor = Spawn(fast, pool, faults);

        slowActor.Tell(Fit(1, round: 1));
        AwaitCondition(() => Counters(slowActor).Held == 1, Wait); // trained; the reply waits on its timer
        fastActor.Tell(Fit(1, round: 1));
        Assert.Equal("fast", ExpectMsg<Client.FitDone>(Wait).Result.ClientId); // the one trainer was not held
        Scheduler.Advance(TimeSpan.FromSeconds(49));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Scheduler.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("slow", ExpectMsg<Client.FitDone>(Wait).Result.ClientId);
    }

    [Fact]
    public void ClientActor_must_withhold_a_held_reply_its_round_cancelled_and_go_on()
    {
        using var pool = new TrainerPool(1);
        var client = ScriptedClient.Shifting("c1", 1f, 1);
        var actor = Spawn(client, pool, new ScriptedFaults { [("c1", 1, 1)] = ClientFault.Delay(TimeSpan.FromMinutes(5)) });

        actor.Tell(Fit(1, round: 1));
        actor.Tell(Fit(2, round: 2));
        AwaitCondition(() => client.Fits.Count == 1, Wait);
        Scheduler.Advance(TimeSpan.FromSeconds(30));   // round 1's deadline
        actor.Tell(new Client.Cancel(1));

        Assert.Equal(2, ExpectMsg<Client.FitDone>(Wait).RoundId);
        Scheduler.Advance(TimeSpan.FromMinutes(10));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        var counters = Counters(actor);
        Assert.Equal((1, 1), (counters.Cancelled, counters.Fits));
    }

    [Fact]
    public void ClientActor_must_fail_the_requests_it_held_when_it_crashes_and_come_back_with_its_state()
    {
        using var pool = new TrainerPool(1);
        using var gate = new ManualResetEventSlim();
        var calls = 0;
        var client = new ScriptedClient("c1", (ins, _) =>
        {
            if (ins.Round == 2) gate.Wait(Wait);
            calls++; // state of the client object: must survive the actor's restart
            return new FitRes("c1", ins.Round, Weights.Of(("w", [calls])), 1, new Dictionary<string, double>());
        });
        var actor = Spawn(client, pool, new ScriptedFaults { [("c1", 3, 1)] = ClientFault.Crash });

        actor.Tell(Fit(1, round: 1));
        Assert.Equal([1f], ExpectMsg<Client.FitDone>(Wait).Result.Weights["w"].Data);
        actor.Tell(Fit(2, round: 2));                       // runs, held at the gate
        AwaitCondition(() => client.Fits.Count == 2, Wait);
        actor.Tell(Fit(3, round: 3));                       // queued; crashes the actor when it starts
        actor.Tell(Fit(4, round: 4));                       // queued behind it: lost with the crashed incarnation
        Counters(actor);                                    // both are queued once this is answered
        gate.Set();

        Assert.Equal(2, ExpectMsg<Client.FitDone>(Wait).RoundId);
        var crashed = ExpectMsg<Client.Failed>(Wait);
        var lost = ExpectMsg<Client.Failed>(Wait);
        Assert.Equal((3L, RoundStage.Fit, "c1"), (crashed.RoundId, crashed.Stage, crashed.ClientId));
        Assert.StartsWith(FailureReasons.Crashed, crashed.Reason, StringComparison.Ordinal);
        Assert.Contains("simulated crash", crashed.Reason, StringComparison.Ordinal);
        Assert.Equal(4, lost.RoundId);
        Assert.StartsWith(FailureReasons.Crashed, lost.Reason, StringComparison.Ordinal);

        actor.Tell(Fit(5, round: 5));
        Assert.Equal([3f], ExpectMsg<Client.FitDone>(Wait).Result.Weights["w"].Data); // same client object, third call
        Assert.Equal(new Client.Counters("c1", Fits: 3, Evaluations: 0, Failures: 2, Dropped: 0, Held: 0, Cancelled: 0, Restarts: 1), Counters(actor));
    }

    [Fact]
    public void ClientActor_must_treat_an_exception_escaping_its_handling_as_a_crash_and_restart()
    {
        using var pool = new TrainerPool(1);
        var client = ScriptedClient.Shifting("c1", 1f, 1);
        var actor = Spawn(client, pool, new ThrowingFaults());

        actor.Tell(Fit(1, round: 1));
        var failed = ExpectMsg<Client.Failed>(Wait);
        Assert.StartsWith(FailureReasons.Crashed, failed.Reason, StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException: fault plan broken", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(1, Counters(actor).Restarts);
    }

    /// <summary>Faults by (client, round, attempt); none elsewhere.</summary>
    private sealed class ScriptedFaults : Dictionary<(string Client, int Round, int Attempt), ClientFault>, IFaultPlan
    {
        public bool MayDrop => Values.Any(f => f.Kind == FaultKind.Drop);

        public bool IsAvailable(FaultContext at) => true;

        public ClientFault OnFit(FaultContext at) =>
            TryGetValue((at.ClientId, at.Round, at.Attempt), out var fault) ? fault : ClientFault.None;
    }

    private sealed class ThrowingFaults : IFaultPlan
    {
        public bool MayDrop => false;

        public bool IsAvailable(FaultContext at) => true;

        public ClientFault OnFit(FaultContext at) => throw new InvalidOperationException("fault plan broken");
    }
}
