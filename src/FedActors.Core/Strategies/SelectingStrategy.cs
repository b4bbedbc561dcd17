namespace FedActors.Core.Strategies;

/// <summary>What a distance-based strategy chose in one group of a round (see <see cref="TensorCarriers.Groups"/>).</summary>
/// <param name="Updates">Updates in the group.</param>
/// <param name="Tensors">Tensors the group's distances were taken over.</param>
/// <param name="F">The Byzantine count used: the requested one, or the largest the group's size allows.</param>
/// <param name="Selected">Client ids of the updates the result was made from, in client-id order.</param>
public sealed record GroupSelection(int Updates, int Tensors, int F, IReadOnlyList<string> Selected);

/// <summary>
/// Base of Krum, MultiKrum and Bulyan: buffers the round, splits its tensors into groups carried by the same updates
/// (<see cref="TensorCarriers.Groups"/>: the tensors every update shares, and apart from them each task's head among its
/// clients), computes each group's pairwise distances once (<see cref="PairwiseDistances"/>) and lets the method choose
/// from them. With too few updates in a group for the requested f, the largest f that fits is used; what was used is
/// reported in <see cref="LastSelection"/> and in <see cref="IDescribedStrategy.LastFitMetrics"/> (<c>f</c>: the
/// smallest over the groups; <c>groups</c>).
/// </summary>
public abstract class SelectingStrategy : BufferedStrategy
{
    private protected SelectingStrategy(int f) => F = (int)FParameter.Check(f);

    /// <summary>The <c>f</c> parameter shared by the three.</summary>
    private protected static StrategyParameter FParameter { get; } =
        new("f", 0, "the number of Byzantine clients to tolerate (reduced to what a round's size allows)") { Minimum = 0, Integer = true };

    /// <summary>The Byzantine count asked for.</summary>
    public int F { get; }

    /// <summary>Per group of the last aggregation, what was chosen; empty before the first.</summary>
    public IReadOnlyList<GroupSelection> LastSelection { get; private set; } = [];

    protected sealed override void Reset() => LastSelection = [];

    protected sealed override ModelWeights Aggregate(ModelWeights current, IReadOnlyList<FitRes> results)
    {
        var updates = results.Select(r => r.Weights).ToList();
        var outputs = new List<NamedTensor>();
        var selections = new List<GroupSelection>();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var group in TensorCarriers.Groups(current, updates))
        {
            var members = group.Updates.Select(u => results[u]).ToList();
            var tensors = members.Select(m => group.Tensors.Select(t => m.Weights[t.Name].Data).ToArray()).ToList();
            var distances = PairwiseDistances.Compute(tensors, MaxThreads);
            var (weights, f, selected) = Choose(group.Tensors, members, distances, metrics);
            outputs.AddRange(weights);
            selections.Add(new GroupSelection(members.Count, group.Tensors.Count, f, [.. selected.Select(s => members[s].ClientId)]));
        }
        metrics["f"] = selections.Min(s => s.F);
        metrics["groups"] = selections.Count;
        LastSelection = selections;
        LastFitMetrics = metrics;
        return current.With(new ModelWeights(outputs));
    }

    /// <summary>
    /// One group's result: its tensors' new values, the f used, and the members (indices into
    /// <paramref name="members"/>) the values came from. May add to <paramref name="metrics"/> (keeping the smallest
    /// value over groups).
    /// </summary>
    private protected abstract (IEnumerable<NamedTensor> Weights, int F, IReadOnlyList<int> Selected) Choose(
        IReadOnlyList<TensorCarriers.Carried> tensors, IReadOnlyList<FitRes> members, double[] distances, Dictionary<string, double> metrics);

    /// <summary>Sets <paramref name="name"/> to the smallest value seen over the groups.</summary>
    private protected static void KeepSmallest(Dictionary<string, double> metrics, string name, double value) =>
        metrics[name] = metrics.TryGetValue(name, out var seen) ? Math.Min(seen, value) : value;
}
