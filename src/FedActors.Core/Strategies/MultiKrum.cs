namespace FedActors.Core.Strategies;

/// <summary>
/// MultiKrum (Blanchard et al., NeurIPS 2017; Flower's krum.py with <c>num_clients_to_keep = m</c>): the m updates with
/// the lowest Krum scores (see <see cref="KrumSelection"/>), averaged as FedAvg does, weighted by sample counts (as
/// Flower's <c>aggregate</c>), in client-id order, through <see cref="FedAvgAccumulator"/>. Per group of tensors carried
/// by the same updates and with the small-n rule of <see cref="Krum"/>. Buffers the round; pairwise distances once.
/// <para>
/// Parameters (<see cref="StrategyFactory"/> name <c>multikrum</c>): <c>f</c> = 0 (whole, at least 0); <c>m</c> = 0,
/// whole, at least 0: the number of updates averaged, 0 meaning <c>n - f</c> (the paper's suggestion; Flower requires
/// m). An m above a group's size takes the whole group. The m and f used (smallest over groups) are in
/// <see cref="IDescribedStrategy.LastFitMetrics"/>.
/// </para>
/// </summary>
public sealed class MultiKrum : SelectingStrategy
{
    /// <summary>The parameters of <c>multikrum</c>, for <see cref="StrategyFactory"/>.</summary>
    public static IReadOnlyList<StrategyParameter> Parameters { get; } =
    [
        FParameter,
        new("m", 0, "how many of the best-scored updates are averaged; 0: n - f") { Minimum = 0, Integer = true },
    ];

    public MultiKrum(int f = 0, int m = 0)
        : base(f) => M = (int)Parameters[1].Check(m);

    /// <summary>Updates averaged; 0: n - f.</summary>
    public int M { get; }

    public override string Name => "multikrum";

    public override string Description =>
        $"MultiKrum (Blanchard et al. 2017): sample-weighted mean of the m updates with the best Krum scores; f={F}, m={(M == 0 ? "n-f" : M.ToString(System.Globalization.CultureInfo.InvariantCulture))}";

    private protected override (IEnumerable<NamedTensor> Weights, int F, IReadOnlyList<int> Selected) Choose(
        IReadOnlyList<TensorCarriers.Carried> tensors, IReadOnlyList<FitRes> members, double[] distances, Dictionary<string, double> metrics)
    {
        var n = members.Count;
        var f = KrumSelection.TolerableByKrum(n, F);
        var m = M == 0 ? n - f : Math.Min(M, n);
        KeepSmallest(metrics, "m", m);
        var all = Enumerable.Range(0, n).ToList();
        var best = KrumSelection.Best(KrumSelection.Scores(distances, n, all, f), all, m);
        var accumulator = new FedAvgAccumulator(maxThreads: MaxThreads);
        foreach (var b in best)
            accumulator.Add(new ModelWeights(tensors.Select(t => members[b].Weights[t.Name])), members[b].NumExamples);
        return (accumulator.Result(ModelWeights.Empty), f, best);
    }
}
