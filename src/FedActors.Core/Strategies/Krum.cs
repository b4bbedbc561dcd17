namespace FedActors.Core.Strategies;

/// <summary>
/// Krum (Blanchard et al., NeurIPS 2017; Flower's krum.py with <c>num_clients_to_keep = 0</c>): the next global is the
/// one update whose squared distances to its <c>n - f - 2</c> nearest neighbours sum lowest (see
/// <see cref="KrumSelection"/>); the result takes that update's values (a copy). Per group of tensors carried by the
/// same updates (<see cref="SelectingStrategy"/>): the shared backbone is chosen among all updates, a task's head among
/// its task's clients. Krum needs <c>n ≥ 2f + 3</c>; with fewer updates in a group the largest f that fits is used (0
/// below 3 updates; with 2, both score the same and the lower client id wins) and reported. Buffers the round;
/// pairwise distances once per round.
/// <para>
/// Parameters (<see cref="StrategyFactory"/> name <c>krum</c>): <c>f</c> = 0 (Flower's default), whole, at least 0.
/// </para>
/// </summary>
public sealed class Krum : SelectingStrategy
{
    /// <summary>The parameters of <c>krum</c>, for <see cref="StrategyFactory"/>.</summary>
    public static IReadOnlyList<StrategyParameter> Parameters { get; } = [FParameter];

    public Krum(int f = 0)
        : base(f)
    {
    }

    public override string Name => "krum";

    public override string Description =>
        $"Krum (Blanchard et al. 2017): per round the one update closest to its n-f-2 nearest neighbours; f={F} (less when a round is too small)";

    private protected override (IEnumerable<NamedTensor> Weights, int F, IReadOnlyList<int> Selected) Choose(
        IReadOnlyList<TensorCarriers.Carried> tensors, IReadOnlyList<FitRes> members, double[] distances, Dictionary<string, double> metrics)
    {
        var n = members.Count;
        var f = KrumSelection.TolerableByKrum(n, F);
        var all = Enumerable.Range(0, n).ToList();
        var best = KrumSelection.Best(KrumSelection.Scores(distances, n, all, f), all, 1)[0];
        var chosen = members[best].Weights;
        return (tensors.Select(t => new NamedTensor(t.Name, t.Shape, (float[])chosen[t.Name].Data.Clone())), f, [best]);
    }
}
