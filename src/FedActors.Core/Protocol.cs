namespace FedActors.Core;

/// <summary>Instructions for one client's local training in one round.</summary>
/// <param name="Round">Round id, 1-based within its phase; replies carry it back.</param>
/// <param name="Phase">One of <see cref="Phases"/>.</param>
/// <param name="Global">The global weights the client starts from (shared by reference in-process).</param>
/// <param name="Config">Per-round settings (epochs, learning rate...) as strings, Flower-style.</param>
public sealed record FitIns(int Round, string Phase, ModelWeights Global, IReadOnlyDictionary<string, string> Config);

/// <summary>A client's reply to <see cref="FitIns"/>: the tensors it trained, its sample count and metrics.</summary>
/// <remarks>
/// A reply whose update is still where it was made (a remote client's, on its node's data plane) has
/// <see cref="Pending"/> set and empty <see cref="Weights"/>: the coordinator fetches it when its aggregation is ready
/// for it, so it holds a few updates at a time however many clients answered ahead of their turn.
/// </remarks>
public sealed record FitRes(
    string ClientId,
    int Round,
    ModelWeights Weights,
    long NumExamples,
    IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>Where to fetch the update when <see cref="Weights"/> does not hold it yet; null when it does.</summary>
    public IPendingUpdate? Pending { get; init; }

    /// <summary>This reply with its update in <see cref="Weights"/>: itself when it is not pending, else fetched now.</summary>
    public FitRes Fetched(CancellationToken cancellation = default) =>
        Pending is null ? this : this with { Weights = Pending.FetchAsync(cancellation).GetAwaiter().GetResult(), Pending = null };
}

/// <summary>An update that has not been fetched from where it was made (see <see cref="FitRes.Pending"/>).</summary>
public interface IPendingUpdate
{
    /// <summary>Fetches the update; a failure (the node is gone, the bytes are corrupt) throws and fails the client.</summary>
    Task<ModelWeights> FetchAsync(CancellationToken cancellation);
}

/// <summary>Instructions to evaluate the global weights on the client's evaluation split.</summary>
public sealed record EvaluateIns(int Round, string Phase, ModelWeights Global, IReadOnlyDictionary<string, string> Config);

/// <summary>A client's evaluation: metrics such as <c>acc1</c>, <c>acc5</c>, <c>loss</c>.</summary>
public sealed record EvaluateRes(
    string ClientId,
    int Round,
    long NumExamples,
    IReadOnlyDictionary<string, double> Metrics);

/// <summary>Why a client produced no usable result in a round.</summary>
public sealed record ClientFailure(string ClientId, int Round, string Reason);

/// <summary>Names of the metrics FedActors reports.</summary>
public static class MetricNames
{
    public const string Loss = "loss";
    public const string Acc1 = "acc1";
    public const string Acc5 = "acc5";
    public const string Examples = "examples";

    /// <summary>
    /// Top-1 accuracy of a k-NN classifier on the backbone's features (the SimCLR phase's monitor). A client that
    /// probes several tasks reports <c>knn/&lt;task&gt;</c> for each; see <see cref="ForTask"/>.
    /// </summary>
    public const string Knn = "knn";

    /// <summary>A metric measured on another task than the reporting client's own: <c>metric/task</c>.</summary>
    public static string ForTask(string metric, string task) => metric + "/" + task;

    /// <summary>Splits <c>metric/task</c> into its parts; a plain name has no task.</summary>
    public static (string Metric, string? Task) Split(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (name, null) : (name[..slash], name[(slash + 1)..]);
    }
}
