using System.Globalization;

namespace FedActors.Core.Strategies;

/// <summary>
/// FedProx (Li et al., MLSys 2020): FedAvg on the server; each client adds the proximal term
/// <c>(mu / 2) * ||w - w_global||^2</c> to its local loss, which keeps its update near the global on heterogeneous data.
/// The term is the client's business: this strategy only tells it <c>mu</c>, as the fit config key
/// <see cref="ProximalMuKey"/> (an invariant-culture number, "R" format so the client reads back the same double), and
/// otherwise aggregates exactly as <see cref="FedAvg"/> (sample-weighted, streaming, the same bits).
/// <para>
/// Parameters (<see cref="StrategyFactory"/> name <c>fedprox</c>): <c>mu</c>, required (Flower has no default either;
/// the paper tries 0.001, 0.01, 0.1, 1), at least 0; mu = 0 is FedAvg.
/// </para>
/// </summary>
public sealed class FedProx : FedAvg
{
    /// <summary>The fit config key that carries mu to the client.</summary>
    public const string ProximalMuKey = "proximal-mu";

    /// <summary>The parameters of <c>fedprox</c>, for <see cref="StrategyFactory"/>.</summary>
    public static new IReadOnlyList<StrategyParameter> Parameters { get; } =
    [
        new("mu", null, "weight of the proximal term (mu/2)||w - w_global||^2 in the client's loss") { Minimum = 0 },
    ];

    public FedProx(double mu) => Mu = Parameters[0].Check(mu);

    public double Mu { get; }

    public override string Name => "fedprox";

    public override string Description =>
        $"FedProx (Li et al. 2020): FedAvg, clients add (mu/2)||w - w_global||^2 to their loss; mu={StrategyParameter.Number(Mu)}";

    /// <summary>A copy of <paramref name="config"/> with <see cref="ProximalMuKey"/> set (replacing any value it had).</summary>
    public override IReadOnlyDictionary<string, string> ConfigureFit(int round, string phase, IReadOnlyDictionary<string, string> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var withMu = new Dictionary<string, string>(config, StringComparer.Ordinal)
        {
            [ProximalMuKey] = Mu.ToString("R", CultureInfo.InvariantCulture),
        };
        return withMu;
    }
}
