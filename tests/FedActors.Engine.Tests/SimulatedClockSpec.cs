using Akka.TestKit.Xunit2;
using FedActors.Core;
using FedActors.Testing;

namespace FedActors.Engine.Tests;

/// <summary>The simulated clock: round durations from the devices, the simulated deadline, availability by simulated time.</summary>
public sealed class SimulatedClockSpec : TestKit
{
    public SimulatedClockSpec()
        : base(VirtualClock.Hocon)
    {
    }

    /// <summary>Fixed fit times per client; a client is active only before its cut-off time.</summary>
    private sealed class Devices(Dictionary<string, double> seconds, Dictionary<string, double>? activeUntil = null) : IDeviceModel
    {
        public List<(string Client, string Phase, long Bytes)> Asked { get; } = [];

        public double FitSeconds(string clientId, string phase, long modelBytes)
        {
            lock (Asked) Asked.Add((clientId, phase, modelBytes));
            return seconds[clientId];
        }

        public bool IsActive(string clientId, double simulatedSeconds) =>
            activeUntil is null || !activeUntil.TryGetValue(clientId, out var until) || simulatedSeconds < until;
    }

    private static FakeFederation Three() => new(FakeClient.Named("a").Adds(1f), FakeClient.Named("b").Adds(3f), FakeClient.Named("c").Adds(2f));

    [Fact]
    public async Task Clock_must_advance_each_round_by_its_slowest_participant()
    {
        var devices = new Devices(new() { ["a"] = 10, ["b"] = 40, ["c"] = 25 });
        var plan = FakeModel.Plan(rounds: 3) with { Clock = new SimulatedClock(devices, StartSeconds: 5) };

        var result = await Three().RunAsync(Sys, plan, EngineSettings.Default);

        Assert.Equal([45.0, 85.0, 125.0], result.Rounds.Select(r => r.SimulatedSeconds!.Value));
        Assert.Contains(("b", Phases.SimClr, plan.Initial.ByteSize), devices.Asked);
        var none = await Three().RunAsync(Sys, FakeModel.Plan(rounds: 1), EngineSettings.Default);
        Assert.Null(none.Rounds[0].SimulatedSeconds);
    }

    [Fact]
    public async Task Deadline_must_leave_out_a_participant_that_would_miss_it_without_asking_it_to_fit()
    {
        var federation = Three();
        var plan = FakeModel.Plan(rounds: 2) with { Clock = new SimulatedClock(new Devices(new() { ["a"] = 10, ["b"] = 40, ["c"] = 25 }), Deadline: 30) };

        var result = await federation.RunAsync(Sys, plan, EngineSettings.Default with { MinFitResults = 2 });

        RoundOutcome.Of(result.Rounds[0]).Sampled("a", "b", "c").Aggregated("a", "c").Late("b").Global("w", 1.5f, 1.5f);
        Assert.Contains("30 s of simulated time (its fit would take 40 s)", result.Rounds[0].Failures.Single().Reason, StringComparison.Ordinal);
        Assert.Empty(federation["b"].Fits); // never asked
        Assert.Equal(RoundCounts.Zero with { Late = 1, Failed = 1 }, result.Rounds[0].Counts);
        Assert.Equal([30.0, 60.0], result.Rounds.Select(r => r.SimulatedSeconds!.Value)); // the server waits until the deadline
    }

    [Fact]
    public async Task Clients_must_be_sampled_only_while_their_trace_says_they_are_active()
    {
        var federation = Three();
        // b leaves at 35 simulated seconds: round 1 starts at 0 and ends at 20, round 2 at 40.
        var devices = new Devices(new() { ["a"] = 10, ["b"] = 20, ["c"] = 15 }, new() { ["b"] = 35 });
        var plan = FakeModel.Plan(rounds: 3) with { Clock = new SimulatedClock(devices) };

        var result = await federation.RunAsync(Sys, plan, EngineSettings.Default);

        Assert.Equal(["a", "b", "c"], result.Rounds[0].Participants);
        Assert.Equal(["a", "b", "c"], result.Rounds[1].Participants); // starts at 20 < 35
        Assert.Equal(["a", "c"], result.Rounds[2].Participants);      // starts at 40
        Assert.Equal(1, result.Rounds[2].Counts.Unavailable);
        Assert.Equal([20.0, 40.0, 55.0], result.Rounds.Select(r => r.SimulatedSeconds!.Value));
    }
}
