namespace FedActors.Core.Strategies;

/// <summary>
/// Runs a coordinate-wise statistic (median, trimmed mean) over every tensor: per tensor, the updates that carry it
/// (<see cref="TensorCarriers"/>), into a fresh array, in parallel ranges of <see cref="Chunks.Length"/> floats.
/// </summary>
internal static class CoordinateWise
{
    /// <summary>A statistic over <c>sources</c> written into <c>destination</c> on <c>[start, start + length)</c>.</summary>
    public delegate void Statistic(float[][] sources, float[] destination, int start, int length);

    public static ModelWeights Apply(ModelWeights current, IReadOnlyList<FitRes> results, int? maxThreads, Statistic statistic)
    {
        var updates = results.Select(r => r.Weights).ToList();
        var work = TensorCarriers.Of(current, updates)
            .Select(t =>
            {
                var sources = t.Updates.Select(u => updates[u][t.Name].Data).ToArray();
                return (t.Name, t.Shape, Sources: sources, Result: FreshMemory.Floats(sources[0].Length));
            })
            .ToList();
        Chunks.Run(Chunks.Split(work, w => w.Result.Length), maxThreads, (w, start, length) => statistic(w.Sources, w.Result, start, length));
        return current.With(new ModelWeights(work.Select(w => new NamedTensor(w.Name, w.Shape, w.Result))));
    }
}
