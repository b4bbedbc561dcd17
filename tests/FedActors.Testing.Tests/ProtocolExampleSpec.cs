using Akka.TestKit.Xunit2;
using FedActors.Engine;

namespace FedActors.Testing.Tests;

/// <summary>
/// The example of src/FedActors.Testing/README.md: a protocol test a user writes. Four scripted clients, one
/// of which drops out, one is too slow, one crashes and then sends a poisoned update; the test checks what
/// each round did with them. No model, no libtorch, and the 30-second deadlines pass on virtual time.
/// </summary>
public class ProtocolExampleSpec : TestKit
{
    // A TestScheduler instead of the real one: time moves only when the test (or the harness) moves it.
    public ProtocolExampleSpec()
        : base(VirtualClock.Hocon)
    {
    }

    [Fact]
    public async Task FedAvg_must_ride_out_a_dropout_a_straggler_a_crash_and_a_poisoned_update()
    {
        // Each fake client sends the global weights plus its delta, weighted by its sample count.
        var federation = new FakeFederation(
            FakeClient.Named("alice").Adds(1f).WithExamples(10),
            FakeClient.Named("bob").Adds(2f).WithExamples(30)
                .InRound(1, FakeAct.Drop),                                   // takes round 1, never answers
            FakeClient.Named("carol").Adds(4f).WithExamples(10)
                .InRound(1, FakeAct.DelayBy(TimeSpan.FromMinutes(5))),       // answers round 1 too late
            FakeClient.Named("dave").Adds(3f).WithExamples(20)
                .InRound(2, FakeAct.Crash)                                   // its actor throws in round 2
                .InRound(3, FakeAct.SendNaN));                               // and it sends a NaN in round 3

        // The protocol under test: 30 s per round, at least two results, otherwise stop the experiment.
        var settings = EngineSettings.Default with
        {
            RoundTimeout = TimeSpan.FromSeconds(30),
            MinFitResults = 2,
            OnFailedRound = FailedRoundPolicy.Stop,
        };

        var result = await federation.RunAsync(Sys, FakeModel.Plan(rounds: 3), settings);

        // Round 1: bob dropped out and carol missed the deadline; alice and dave make the quorum.
        RoundOutcome.Of(result.Rounds[0])
            .Aggregated("alice", "dave")
            .Dropped("bob")
            .Late("carol")
            .Global("w", 70f / 30, 70f / 30);                               // (10 x 1 + 20 x 3) / 30
        // Round 2: dave's actor crashed and was restarted; the other three carry the round.
        RoundOutcome.Of(result.Rounds[1])
            .Aggregated("alice", "bob", "carol")
            .Crashed("dave")
            .Restarts(1);
        // Round 3: dave is back, but his update holds a NaN and never reaches the global model.
        RoundOutcome.Of(result.Rounds[2])
            .Aggregated("alice", "bob", "carol")
            .Rejected("dave", "NaN");
        Assert.Equal(3, result.Rounds.Count);
    }
}
