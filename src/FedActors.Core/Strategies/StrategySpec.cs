namespace FedActors.Core.Strategies;

/// <summary>
/// A strategy as config names it: one of <see cref="StrategyFactory.Names"/> and the numeric parameters it sets
/// (the rest take their defaults; see <see cref="StrategyFactory.Parameters"/>).
/// </summary>
public sealed record StrategySpec(string Name, IReadOnlyDictionary<string, double> Parameters)
{
    /// <summary>The strategy with every parameter at its default.</summary>
    public StrategySpec(string name)
        : this(name, new Dictionary<string, double>())
    {
    }
}
