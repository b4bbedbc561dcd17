namespace FedActors.Core.Strategies;

/// <summary>
/// A strategy that aggregates fit results as they arrive instead of all at once at the end of the round, so
/// the server holds O(model) memory rather than one update per client. The engine validates each result,
/// hands the accepted ones to <see cref="IFitAggregation.Add"/> in ordinal order of client id (buffering only
/// those that arrive ahead of a client still pending) and drops its own reference to each one's weights once
/// added. <see cref="IStrategy.AggregateFit"/> must give the same weights for the same results.
/// </summary>
public interface IStreamingStrategy : IStrategy
{
    /// <summary>Starts aggregating one round's fit results on top of <paramref name="current"/>.</summary>
    IFitAggregation BeginFit(int round, string phase, ModelWeights current);
}

/// <summary>One round's aggregation in progress. Used by one thread at a time.</summary>
public interface IFitAggregation
{
    /// <summary>Folds in an accepted result. Results come in ordinal order of client id.</summary>
    void Add(FitRes result);

    /// <summary>The next global weights, once every result has been added. Called once.</summary>
    ModelWeights Result(IReadOnlyList<ClientFailure> failures);
}
