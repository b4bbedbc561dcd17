namespace FedActors.Core.Strategies;

/// <summary>
/// FedTrimmedAvg (Yin et al., ICML 2018, coordinate-wise trimmed mean; Flower's fedtrimmedavg.py): every coordinate
/// becomes the mean of its values over the updates that carry the tensor after removing the <c>floor(beta * n)</c>
/// smallest and as many largest (scipy's <c>trim_mean</c>, as Flower), unweighted. n counts the updates carrying that
/// tensor, so a head among few clients may be trimmed less. Buffers the round's updates; the selection is vectorised
/// (<see cref="CoordinateSelection.TrimmedMean"/>).
/// <para>
/// Parameters (<see cref="StrategyFactory"/> name <c>fedtrimmedavg</c>): <c>beta</c> = 0.2 (Flower's default), the
/// fraction cut from each end, in [0, 0.5) so that at least one value is left.
/// </para>
/// </summary>
public sealed class FedTrimmedAvg : BufferedStrategy
{
    /// <summary>The parameters of <c>fedtrimmedavg</c>, for <see cref="StrategyFactory"/>.</summary>
    public static IReadOnlyList<StrategyParameter> Parameters { get; } =
    [
        new("beta", 0.2, "fraction of the values cut from each end of every coordinate") { Minimum = 0, Maximum = 0.5, MaximumExcluded = true },
    ];

    public FedTrimmedAvg(double beta = 0.2) => Beta = Parameters[0].Check(beta);

    public double Beta { get; }

    public override string Name => "fedtrimmedavg";

    public override string Description =>
        $"FedTrimmedAvg (Yin et al. 2018): coordinate-wise mean after cutting floor(beta n) values from each end, unweighted; beta={StrategyParameter.Number(Beta)}";

    /// <summary>Values cut from each end of a coordinate of <paramref name="updates"/> values: <c>floor(beta * n)</c>.</summary>
    public int Trimmed(int updates) => (int)(Beta * updates);

    protected override ModelWeights Aggregate(ModelWeights current, IReadOnlyList<FitRes> results) =>
        CoordinateWise.Apply(current, results, MaxThreads, (sources, destination, start, length) =>
            CoordinateSelection.TrimmedMean(sources, Trimmed(sources.Length), destination, start, length));
}
