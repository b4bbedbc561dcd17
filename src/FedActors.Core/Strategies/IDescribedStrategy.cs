namespace FedActors.Core.Strategies;

/// <summary>
/// What a run's summary says about its strategy, and what a round's aggregation reports beyond the weights.
/// Every strategy of <see cref="StrategyFactory"/> implements it.
/// </summary>
public interface IDescribedStrategy : IStrategy
{
    /// <summary>One line for summary.md: the method, its reference, the parameters in use.</summary>
    string Description { get; }

    /// <summary>
    /// True when the strategy needs every update of a round at once, so the server holds them all: memory
    /// O(updates x model) (median, trimmed mean, Krum, Bulyan). False when it folds updates in as they arrive
    /// (it is an <see cref="IStreamingStrategy"/>): O(model), plus whatever server state it keeps.
    /// </summary>
    bool BuffersUpdates { get; }

    /// <summary>
    /// Numbers about the last fit aggregation worth recording with the round's metrics (for instance the number of
    /// Byzantine clients Krum could actually tolerate with so few updates); empty when there are none.
    /// </summary>
    IReadOnlyDictionary<string, double> LastFitMetrics { get; }
}
