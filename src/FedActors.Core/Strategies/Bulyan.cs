namespace FedActors.Core.Strategies;

/// <summary>
/// Bulyan (El Mhamdi, Guerraoui and Rouault, ICML 2018, "The Hidden Vulnerability of Distributed Learning in
/// Byzantium"; Flower's bulyan.py with Krum as the first rule): first <c>theta = n - 2f</c> updates are chosen one at
/// a time, each the Krum winner among those left (<see cref="KrumSelection.Iterated"/>, over one round's distances);
/// then every coordinate becomes the mean of the <c>beta = theta - 2f</c> chosen values closest to their median
/// (<see cref="CoordinateSelection.MeanClosestToMedian"/>: sorted, the closest values form a window; equally close
/// windows go to the lower one), unweighted. Per group of tensors carried by the same updates
/// (<see cref="SelectingStrategy"/>). Bulyan needs <c>n ≥ 4f + 3</c>; with fewer updates in a group the largest f that
/// fits is used and reported (Flower raises instead); with f = 0 it is the plain mean. Buffers the round.
/// <para>
/// Parameters (<see cref="StrategyFactory"/> name <c>bulyan</c>): <c>f</c> = 0 (Flower's default), whole, at least 0.
/// <see cref="IDescribedStrategy.LastFitMetrics"/> adds <c>theta</c> and <c>beta</c> (smallest over groups).
/// </para>
/// </summary>
public sealed class Bulyan : SelectingStrategy
{
    /// <summary>The parameters of <c>bulyan</c>, for <see cref="StrategyFactory"/>.</summary>
    public static IReadOnlyList<StrategyParameter> Parameters { get; } = [FParameter];

    public Bulyan(int f = 0)
        : base(f)
    {
    }

    public override string Name => "bulyan";

    public override string Description =>
        $"Bulyan (El Mhamdi et al. 2018): iterated Krum picks n-2f updates, then per coordinate the mean of the n-4f closest to their median; f={F} (less when a round is too small)";

    private protected override (IEnumerable<NamedTensor> Weights, int F, IReadOnlyList<int> Selected) Choose(
        IReadOnlyList<TensorCarriers.Carried> tensors, IReadOnlyList<FitRes> members, double[] distances, Dictionary<string, double> metrics)
    {
        var n = members.Count;
        var f = KrumSelection.TolerableByBulyan(n, F);
        var theta = n - 2 * f;
        var beta = theta - 2 * f;
        KeepSmallest(metrics, "theta", theta);
        KeepSmallest(metrics, "beta", beta);
        var chosen = KrumSelection.Iterated(distances, n, f, theta).Order().ToArray();
        var work = tensors
            .Select(t => (Tensor: t, Sources: chosen.Select(c => members[c].Weights[t.Name].Data).ToArray(), Result: FreshMemory.Floats(members[0].Weights[t.Name].Data.Length)))
            .ToList();
        Chunks.Run(Chunks.Split(work, w => w.Result.Length), MaxThreads,
            (w, start, length) => CoordinateSelection.MeanClosestToMedian(w.Sources, beta, w.Result, start, length));
        return (work.Select(w => new NamedTensor(w.Tensor.Name, w.Tensor.Shape, w.Result)), f, chosen);
    }
}
