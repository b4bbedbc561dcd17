namespace FedActors.Core.Strategies;

/// <summary>
/// FedMedian (Yin et al., ICML 2018, "Byzantine-Robust Distributed Learning"; Flower's fedmedian.py): every coordinate
/// becomes the median of that coordinate over the updates that carry its tensor, unweighted (sample counts do not
/// count, as in the paper and Flower: a client could inflate its own). With an even number of updates, the mean of the
/// two middle values (NumPy's median). Buffers the round's updates; the selection is vectorised
/// (<see cref="CoordinateSelection.Median"/>), never a sort of a whole update.
/// <para>Parameters (<see cref="StrategyFactory"/> name <c>fedmedian</c>): none.</para>
/// </summary>
public sealed class FedMedian : BufferedStrategy
{
    /// <summary>The parameters of <c>fedmedian</c>: none.</summary>
    public static IReadOnlyList<StrategyParameter> Parameters { get; } = [];

    public override string Name => "fedmedian";

    public override string Description => "FedMedian (Yin et al. 2018): coordinate-wise median of the updates that carry each tensor, unweighted";

    protected override ModelWeights Aggregate(ModelWeights current, IReadOnlyList<FitRes> results) =>
        CoordinateWise.Apply(current, results, MaxThreads, (sources, destination, start, length) =>
            CoordinateSelection.Median(sources, destination, start, length));
}
