namespace FedActors.Core.Strategies;

/// <summary>
/// Builds a strategy from its config name and parameters. Names, with their parameters and defaults (Flower's where it
/// has one; each strategy's doc comment says what they mean and what deviates from Flower):
/// <list type="table">
/// <item><term>fedavg</term><description>weighted = 1 (0: plain mean). Streams.</description></item>
/// <item><term>fedavgm</term><description>server-learning-rate = 1, server-momentum = 0. Streams.</description></item>
/// <item><term>fedadam</term><description>eta = 0.1, beta1 = 0.9, beta2 = 0.99, tau = 1e-9, bias-correction = 1. Streams.</description></item>
/// <item><term>fedyogi</term><description>eta = 0.01, beta1 = 0.9, beta2 = 0.99, tau = 1e-3. Streams.</description></item>
/// <item><term>fedadagrad</term><description>eta = 0.1, beta1 = 0, tau = 1e-9. Streams.</description></item>
/// <item><term>fedprox</term><description>mu, required. Streams; adds <c>proximal-mu</c> to every fit config.</description></item>
/// <item><term>fedmedian</term><description>none. Buffers.</description></item>
/// <item><term>fedtrimmedavg</term><description>beta = 0.2. Buffers.</description></item>
/// <item><term>krum</term><description>f = 0. Buffers.</description></item>
/// <item><term>multikrum</term><description>f = 0, m = 0 (n - f). Buffers.</description></item>
/// <item><term>bulyan</term><description>f = 0. Buffers.</description></item>
/// <item><term>qfedavg</term><description>q = 0.2, learning-rate = 0.1. Streams; needs every client's <c>loss</c> metric.</description></item>
/// </list>
/// There is no <c>fedavg-unweighted</c>: it is <c>fedavg</c> with <c>weighted = 0</c>. Every strategy built here is an
/// <see cref="IDescribedStrategy"/>; the server optimisers are also <see cref="IServerState"/>s.
/// </summary>
public static class StrategyFactory
{
    private static readonly Dictionary<string, (IReadOnlyList<StrategyParameter> Parameters, Func<Func<string, double>, IStrategy> Create)> Known =
        new(StringComparer.Ordinal)
        {
            ["fedavg"] = (FedAvg.Parameters, p => new FedAvg { Weighted = p("weighted") == 1 }),
            ["fedavgm"] = (FedAvgM.Parameters, p => new FedAvgM(p("server-learning-rate"), p("server-momentum"))),
            ["fedadam"] = (FedAdam.Parameters, p => new FedAdam(p("eta"), p("beta1"), p("beta2"), p("tau"), p("bias-correction") == 1)),
            ["fedyogi"] = (FedYogi.Parameters, p => new FedYogi(p("eta"), p("beta1"), p("beta2"), p("tau"))),
            ["fedadagrad"] = (FedAdagrad.Parameters, p => new FedAdagrad(p("eta"), p("beta1"), p("tau"))),
            ["fedprox"] = (FedProx.Parameters, p => new FedProx(p("mu"))),
            ["fedmedian"] = (FedMedian.Parameters, _ => new FedMedian()),
            ["fedtrimmedavg"] = (FedTrimmedAvg.Parameters, p => new FedTrimmedAvg(p("beta"))),
            ["krum"] = (Krum.Parameters, p => new Krum(Whole(p("f")))),
            ["multikrum"] = (MultiKrum.Parameters, p => new MultiKrum(Whole(p("f")), Whole(p("m")))),
            ["bulyan"] = (Bulyan.Parameters, p => new Bulyan(Whole(p("f")))),
            ["qfedavg"] = (QFedAvg.Parameters, p => new QFedAvg(p("q"), p("learning-rate"))),
        };

    /// <summary>Every strategy name, in the order of the table above.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Known.Keys];

    /// <summary>
    /// The parameters <paramref name="name"/> accepts, with defaults and ranges; throws an <see cref="ArgumentException"/>
    /// naming an unknown strategy.
    /// </summary>
    public static IReadOnlyList<StrategyParameter> Parameters(string name) => Entry(name).Parameters;

    /// <summary>
    /// The strategy <paramref name="spec"/> names, with its parameters. Throws an <see cref="ArgumentException"/> naming
    /// an unknown strategy, an unknown parameter, a value out of range or a required parameter left out.
    /// </summary>
    public static IStrategy Create(StrategySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var (parameters, create) = Entry(spec.Name);
        var values = StrategyParameter.Resolve(spec.Name, parameters, spec.Parameters ?? new Dictionary<string, double>());
        return create(name => values[name]);
    }

    private static (IReadOnlyList<StrategyParameter> Parameters, Func<Func<string, double>, IStrategy> Create) Entry(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Known.TryGetValue(name, out var entry)
            ? entry
            : throw new ArgumentException($"unknown strategy '{name}' (known: {string.Join(", ", Known.Keys)})", nameof(name));
    }

    /// <summary>A value <see cref="StrategyParameter.Resolve"/> has checked to be whole and in range.</summary>
    private static int Whole(double value) => value <= int.MaxValue ? (int)value : int.MaxValue;
}
