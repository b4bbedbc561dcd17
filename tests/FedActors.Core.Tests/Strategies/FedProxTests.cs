using System.Globalization;
using FedActors.Core.Strategies;
using static FedActors.Core.Tests.Strategies.StrategyData;

namespace FedActors.Core.Tests.Strategies;

public sealed class FedProxTests
{
    [Fact]
    public void FedProx_must_add_mu_to_every_fit_config_without_touching_the_given_one()
    {
        IStrategy strategy = new FedProx(0.01);
        var config = new Dictionary<string, string> { ["epochs"] = "2", ["proximal-mu"] = "stale" };
        var configured = strategy.ConfigureFit(3, Phases.SimClr, config);
        Assert.Equal("2", configured["epochs"]);
        Assert.Equal(0.01, double.Parse(configured[FedProx.ProximalMuKey], CultureInfo.InvariantCulture));
        Assert.Equal("0.01", configured["proximal-mu"]);
        Assert.Equal("stale", config["proximal-mu"]);
        Assert.Equal(2, configured.Count);
    }

    [Fact]
    public void FedProx_must_write_mu_so_that_it_reads_back_as_the_same_double()
    {
        var mu = 0.1 + 0.2; // 0.30000000000000004: needs every digit
        var configured = ((IStrategy)new FedProx(mu)).ConfigureFit(1, Phases.Heads, new Dictionary<string, string>());
        Assert.Equal(BitConverter.DoubleToInt64Bits(mu), BitConverter.DoubleToInt64Bits(double.Parse(configured["proximal-mu"], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Other_strategies_must_pass_the_config_through_unchanged()
    {
        var config = new Dictionary<string, string> { ["epochs"] = "2" };
        Assert.Same(config, ((IStrategy)new FedAvg()).ConfigureFit(1, Phases.SimClr, config));
        Assert.Same(config, ((IStrategy)new FedAdam()).ConfigureFit(1, Phases.SimClr, config));
        Assert.Same(config, ((IStrategy)new FedMedian()).ConfigureFit(1, Phases.SimClr, config));
    }

    [Fact]
    public void FedProx_must_aggregate_with_FedAvg_bits_streamed_or_not()
    {
        var random = new Random(3);
        var current = Model(random, ("w", 2_001), ("heads.A.b", 3));
        var results = Enumerable.Range(0, 5).Select(c => Res($"c{c}", random.Next(1, 90), Model(random, ("w", 2_001), ("heads.A.b", 3)))).ToList();
        var fedAvg = new FedAvg().AggregateFit(1, Phases.SimClr, current, results, []);
        SameBits(fedAvg, new FedProx(0.1).AggregateFit(1, Phases.SimClr, current, results, []));
        SameBits(fedAvg, Stream(new FedProx(0.1), current, results));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void FedProx_must_refuse_a_bad_mu(double mu)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FedProx(mu));
        Assert.Equal("mu", error.ParamName);
    }
}
