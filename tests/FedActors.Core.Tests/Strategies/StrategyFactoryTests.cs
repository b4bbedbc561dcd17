using System.Globalization;
using FedActors.Core.Strategies;
using static FedActors.Core.Tests.Strategies.StrategyData;

namespace FedActors.Core.Tests.Strategies;

public sealed class StrategyFactoryTests
{
    private static Dictionary<string, double> P(params (string Key, double Value)[] values) => values.ToDictionary(v => v.Key, v => v.Value);

    [Fact]
    public void Factory_must_know_every_strategy_of_the_issue_by_its_config_name()
    {
        Assert.Equal(
            ["fedavg", "fedavgm", "fedadam", "fedyogi", "fedadagrad", "fedprox", "fedmedian", "fedtrimmedavg", "krum", "multikrum", "bulyan", "qfedavg"],
            StrategyFactory.Names);
        foreach (var name in StrategyFactory.Names)
        {
            var parameters = name == "fedprox" ? P(("mu", 0.01)) : P();
            var strategy = StrategyFactory.Create(new StrategySpec(name, parameters));
            Assert.Equal(name, strategy.Name);
            var described = Assert.IsAssignableFrom<IDescribedStrategy>(strategy);
            Assert.False(string.IsNullOrWhiteSpace(described.Description));
            Assert.DoesNotContain('\n', described.Description);
            // Streaming and buffering are two sides of one fact.
            Assert.Equal(strategy is not IStreamingStrategy, described.BuffersUpdates);
            Assert.Equal(name is "fedavgm" or "fedadam" or "fedyogi" or "fedadagrad", strategy is IServerState);
        }
        Assert.True(((IDescribedStrategy)StrategyFactory.Create(new StrategySpec("krum"))).BuffersUpdates);
    }

    [Fact]
    public void Factory_must_apply_the_given_parameters_and_Flowers_defaults()
    {
        var adam = Assert.IsType<FedAdam>(StrategyFactory.Create(new StrategySpec("fedadam", P(("eta", 0.03), ("bias-correction", 0)))));
        Assert.Equal((0.03, 0.9, 0.99, 1e-9, false), (adam.Eta, adam.Beta1, adam.Beta2, adam.Tau, adam.BiasCorrection));
        var yogi = Assert.IsType<FedYogi>(StrategyFactory.Create(new StrategySpec("fedyogi")));
        Assert.Equal((0.01, 0.9, 0.99, 1e-3), (yogi.Eta, yogi.Beta1, yogi.Beta2, yogi.Tau));
        var adagrad = Assert.IsType<FedAdagrad>(StrategyFactory.Create(new StrategySpec("fedadagrad")));
        Assert.Equal((0.1, 0.0, 1e-9), (adagrad.Eta, adagrad.Beta1, adagrad.Tau));
        var momentum = Assert.IsType<FedAvgM>(StrategyFactory.Create(new StrategySpec("fedavgm", P(("server-momentum", 0.9)))));
        Assert.Equal((1.0, 0.9), (momentum.ServerLearningRate, momentum.ServerMomentum));
        Assert.False(Assert.IsType<FedAvg>(StrategyFactory.Create(new StrategySpec("fedavg", P(("weighted", 0))))).Weighted);
        Assert.Equal(0.2, Assert.IsType<FedTrimmedAvg>(StrategyFactory.Create(new StrategySpec("fedtrimmedavg"))).Beta);
        Assert.Equal((3, 5), (Assert.IsType<MultiKrum>(StrategyFactory.Create(new StrategySpec("multikrum", P(("f", 3), ("m", 5))))) is var mk ? (mk.F, mk.M) : default));
        Assert.Equal(2, Assert.IsType<Bulyan>(StrategyFactory.Create(new StrategySpec("bulyan", P(("f", 2))))).F);
        var q = Assert.IsType<QFedAvg>(StrategyFactory.Create(new StrategySpec("qfedavg")));
        Assert.Equal((0.2, 0.1), (q.Q, q.LearningRate));
        var prox = StrategyFactory.Create(new StrategySpec("fedprox", P(("mu", 0.5))));
        Assert.Equal("0.5", prox.ConfigureFit(1, Phases.SimClr, new Dictionary<string, string>())[FedProx.ProximalMuKey]);
        // The listed defaults are the ones the strategies get.
        Assert.Equal(0.99, StrategyFactory.Parameters("fedadam").Single(p => p.Name == "beta2").Default);
        Assert.Null(StrategyFactory.Parameters("fedprox").Single().Default);
        Assert.Empty(StrategyFactory.Parameters("fedmedian"));
    }

    [Theory]
    [InlineData("fedsgd", null, 0, "'fedsgd'")]
    [InlineData("fedadam", "momentum", 0.9, "'momentum'")]
    [InlineData("fedadam", "beta1", 1.0, "beta1")]
    [InlineData("fedadam", "tau", 0.0, "tau")]
    [InlineData("fedadam", "eta", double.NaN, "eta")]
    [InlineData("fedavgm", "server-learning-rate", -1, "server-learning-rate")]
    [InlineData("fedtrimmedavg", "beta", 0.5, "beta")]
    [InlineData("krum", "f", 1.5, "f")]
    [InlineData("multikrum", "m", -1, "m")]
    [InlineData("fedavg", "weighted", 2, "weighted")]
    [InlineData("fedadam", "bias-correction", 0.5, "bias-correction")]
    [InlineData("qfedavg", "learning-rate", 0, "learning-rate")]
    [InlineData("qfedavg", "q", -0.1, "q")]
    [InlineData("fedprox", null, 0, "'mu'")]
    [InlineData("fedmedian", "beta", 0.1, "'beta'")]
    public void Factory_must_refuse_what_it_cannot_build_naming_it(string name, string? key, double value, string named)
    {
        var parameters = key is null ? P() : P((key, value));
        var error = Assert.Throws<ArgumentException>(() => StrategyFactory.Create(new StrategySpec(name, parameters)));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parameters_must_name_an_unknown_strategy_and_describe_ranges()
    {
        Assert.Contains("'fedsgd'", Assert.Throws<ArgumentException>(() => StrategyFactory.Parameters("fedsgd")).Message, StringComparison.Ordinal);
        Assert.Equal("[0, 1)", StrategyFactory.Parameters("fedadam").Single(p => p.Name == "beta1").Range);
        Assert.Equal("integer [0, inf]", StrategyFactory.Parameters("krum").Single().Range);
        Assert.Equal("(0, inf]", StrategyFactory.Parameters("fedyogi").Single(p => p.Name == "tau").Range);
        foreach (var name in StrategyFactory.Names)
        {
            foreach (var parameter in StrategyFactory.Parameters(name))
            {
                Assert.False(string.IsNullOrWhiteSpace(parameter.Description));
                if (parameter.Default is { } d) Assert.Null(parameter.Problem(d));
            }
        }
    }

    [Fact]
    public void Factory_strategies_must_aggregate_a_round()
    {
        var random = new Random(1);
        var current = Model(random, ("backbone.w", 999), ("heads.A.w", 5));
        var results = Enumerable.Range(0, 8)
            .Select(c => Res($"c{c}", 10 + c, Model(random, ("backbone.w", 999), ("heads.A.w", 5)), loss: 1 + c * 0.1))
            .ToList();
        foreach (var name in StrategyFactory.Names)
        {
            var strategy = StrategyFactory.Create(new StrategySpec(name, name == "fedprox" ? P(("mu", 0.01)) : P()));
            var global = strategy.AggregateFit(1, Phases.Heads, current, results, []);
            Assert.Equal(current.Names, global.Names);
            Assert.All(global, t => Assert.All(t.Data, v => Assert.True(float.IsFinite(v), $"{name}: {t.Name} = {v.ToString(CultureInfo.InvariantCulture)}")));
            if (strategy is IStreamingStrategy streaming)
                SameBits(global, Stream((IStreamingStrategy)StrategyFactory.Create(new StrategySpec(name, name == "fedprox" ? P(("mu", 0.01)) : P())), current, results));
        }
    }
}
