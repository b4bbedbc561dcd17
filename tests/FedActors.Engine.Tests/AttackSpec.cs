using Akka.TestKit.Xunit2;
using FedActors.Core;
using FedActors.Core.Strategies;
using FedActors.Testing;

namespace FedActors.Engine.Tests;

/// <summary>Byzantine clients of the fault simulator, and the strategies' fit settings, through the engine (no libtorch).</summary>
public sealed class AttackSpec : TestKit
{
    public AttackSpec()
        : base(VirtualClock.Hocon)
    {
    }

    private static FakeFederation Five() => new(
        FakeClient.Named("a").Adds(1f),
        FakeClient.Named("b").Adds(1f),
        FakeClient.Named("c").Adds(1f),
        FakeClient.Named("d").Adds(1f),
        FakeClient.Named("e").Adds(1f));

    /// <summary>Attackers of one kind: those named, or round(fraction x 5) drawn from the seed.</summary>
    private static FaultSettings Attack(string kind, double fraction, double factor = 1, params string[] named) =>
        FaultSettings.None with
        {
            Attack = new AttackSettings(AttackSettings.Kinds[kind], fraction, named, factor, NoiseStd: 1, Constant: 0)
                .WithAttackers(["a", "b", "c", "d", "e"], runSeed: 7),
        };

    [Fact]
    public async Task Attackers_must_send_their_crafted_update_and_be_counted()
    {
        var faults = Attack("sign-flip", 0, factor: 4, "b", "d");
        var plan = FakeModel.Plan(rounds: 2) with { Seed = 7 };

        var result = await Five().With(faults).RunAsync(Sys, plan, EngineSettings.Default);

        // Honest: +1; attackers send 0 - 4 * 1 = -4: the mean moves (3 * 1 - 2 * 4) / 5 = -1 per round.
        RoundOutcome.Of(result.Rounds[0]).Aggregated("a", "b", "c", "d", "e").Global("w", -1f, -1f);
        Assert.Equal(["b", "d"], result.Rounds[0].Attackers);
        Assert.Equal(["b", "d"], result.Rounds[1].Attackers);
    }

    [Fact]
    public async Task A_robust_strategy_must_hold_where_fedavg_follows_the_attackers()
    {
        var faults = Attack("scale", 0.4, factor: 100);
        Assert.Equal(2, faults.Attack.Attackers.Count); // round(0.4 x 5), drawn from the seed

        var fedavg = await Five().With(faults).RunAsync(Sys, FakeModel.Plan(rounds: 1) with { Seed = 7 }, EngineSettings.Default);
        var median = await Five().With(faults).RunAsync(Sys, FakeModel.Plan(rounds: 1) with { Seed = 7 }, EngineSettings.Default, new PhaseStrategies(new FedMedian()));

        RoundOutcome.Of(fedavg.Rounds[0]).Global("w", 40.6f, 40.6f); // (3 * 1 + 2 * 100) / 5
        RoundOutcome.Of(median.Rounds[0]).Global("w", 1f, 1f);
    }

    [Fact]
    public async Task Label_flipping_attackers_must_be_asked_to_train_on_flipped_labels()
    {
        var federation = Five();
        var faults = Attack("label-flip", 0, 1, "c");

        await federation.With(faults).RunAsync(Sys, FakeModel.Plan(rounds: 1), EngineSettings.Default);

        Assert.Equal("true", federation["c"].Fits.Single().Config[UpdateAttack.LabelFlipKey]);
        Assert.False(federation["a"].Fits.Single().Config.ContainsKey(UpdateAttack.LabelFlipKey));
    }

    [Fact]
    public async Task Strategy_must_add_its_fit_settings_to_every_clients_instructions()
    {
        var federation = Five();

        await federation.RunAsync(Sys, FakeModel.Plan(rounds: 1), EngineSettings.Default, new PhaseStrategies(new FedProx(0.25)));

        Assert.All(federation.Clients, c => Assert.Equal("0.25", c.Fits.Single().Config[FedProx.ProximalMuKey]));
    }
}
