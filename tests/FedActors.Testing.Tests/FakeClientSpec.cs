using FedActors.Core;
using FedActors.Engine;

namespace FedActors.Testing.Tests;

public class FakeClientSpec
{
    private static readonly ModelWeights Global = FakeModel.Weights(("w", [1f, 2f]), ("b", [0f]));

    private static FitIns Round(int round) => new(round, Phases.SimClr, Global, new Dictionary<string, string>());

    [Fact]
    public void FakeClient_must_send_the_global_plus_its_delta_with_its_sample_count()
    {
        var client = FakeClient.Named("a").Adds(0.5f).WithExamples(7);

        var result = client.Fit(Round(1), CancellationToken.None);

        Assert.Equal(("a", 1, 7L), (result.ClientId, result.Round, result.NumExamples));
        Assert.Equal([1.5f, 2.5f], result.Weights["w"].Data);
        Assert.Equal([0.5f], result.Weights["b"].Data);
        Assert.Equal(0.5, result.Metrics[MetricNames.Loss]);
        Assert.Equal([1], client.Fits.Select(f => f.Round));
        Assert.Null(UpdateValidation.Check(Global, result.Weights, result.NumExamples));
    }

    [Theory]
    [InlineData(FakeActKind.SendNaN, "holds NaN")]
    [InlineData(FakeActKind.SendMisshaped, "has shape [3], the global [2]")]
    [InlineData(FakeActKind.SendUnknownTensor, "unknown tensor 'fake.unknown'")]
    public void FakeClient_must_send_updates_that_validation_rejects(FakeActKind kind, string reason)
    {
        var act = kind switch
        {
            FakeActKind.SendNaN => FakeAct.SendNaN,
            FakeActKind.SendMisshaped => FakeAct.SendMisshaped,
            _ => FakeAct.SendUnknownTensor,
        };
        var result = FakeClient.Named("a").InRound(2, act).Fit(Round(2), CancellationToken.None);

        Assert.Contains(reason, UpdateValidation.Check(Global, result.Weights, result.NumExamples), StringComparison.Ordinal);
    }

    [Fact]
    public void FakeClient_must_scale_its_update_and_throw_when_scripted()
    {
        var client = FakeClient.Named("a").Adds(1f).InRound(1, FakeAct.SendScaled(100f)).InRound(2, FakeAct.Throw("boom"));

        Assert.Equal([101f, 102f], client.Fit(Round(1), CancellationToken.None).Weights["w"].Data);
        Assert.Equal("boom", Assert.Throws<InvalidOperationException>(() => client.Fit(Round(2), CancellationToken.None)).Message);
        Assert.Equal([2f, 3f], client.Fit(Round(3), CancellationToken.None).Weights["w"].Data);
    }

    [Fact]
    public void FakeClient_must_report_the_mean_of_the_global_it_evaluates()
    {
        var result = FakeClient.Named("a").WithExamples(4).Evaluate(new EvaluateIns(1, Phases.SimClr, Global, new Dictionary<string, string>()), default);

        Assert.Equal((4L, 1.0), (result.NumExamples, result.Metrics["global-mean"]));
    }

    [Fact]
    public void FakeFederation_must_turn_scripts_into_faults_for_the_engine_by_round_and_attempt()
    {
        var federation = new FakeFederation(
            FakeClient.Named("a").InRound(1, FakeAct.Drop).InRound(2, FakeAct.Crash, attempt: 2),
            FakeClient.Named("b").InRound(1, FakeAct.DelayBy(TimeSpan.FromSeconds(9))).InRound(3, FakeAct.Unavailable));
        FaultContext At(string id, int round, int attempt = 1) => new(1, id, Phases.SimClr, round, attempt);

        Assert.True(federation.MayDrop);
        Assert.Equal(ClientFault.Drop, federation.OnFit(At("a", 1)));
        Assert.Equal(ClientFault.Drop, federation.OnFit(At("a", 1, attempt: 4)));   // every attempt of round 1
        Assert.Equal(ClientFault.None, federation.OnFit(At("a", 2)));
        Assert.Equal(ClientFault.Crash, federation.OnFit(At("a", 2, attempt: 2)));
        Assert.Equal(ClientFault.Delay(TimeSpan.FromSeconds(9)), federation.OnFit(At("b", 1)));
        Assert.False(federation.IsAvailable(At("b", 3)));
        Assert.True(federation.IsAvailable(At("b", 2)));
        Assert.False(new FakeFederation(FakeClient.Named("c")).MayDrop);
    }

    [Fact]
    public void FakeFederation_must_let_a_script_win_over_faults_it_also_injects()
    {
        var everyoneDrops = new FaultSettings(FaultProfile.Healthy with { DropProbability = 1 }, [], TimeSpan.Zero, null);
        var federation = new FakeFederation(FakeClient.Named("a").InRound(2, FakeAct.DelayBy(TimeSpan.FromSeconds(1)))).With(everyoneDrops);

        Assert.Equal(ClientFault.Drop, federation.OnFit(new FaultContext(1, "a", Phases.SimClr, 1, 1)));
        Assert.Equal(FaultKind.None, federation.OnFit(new FaultContext(1, "a", Phases.SimClr, 2, 1)).Kind);
        Assert.True(federation.MayDrop);
    }
}
