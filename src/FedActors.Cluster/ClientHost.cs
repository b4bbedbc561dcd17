namespace FedActors.Cluster;

/// <summary>Every FedActors message that crosses nodes; bound to <see cref="ControlSerializer"/> and nothing else.</summary>
public interface IClusterMessage;

/// <summary>
/// Protocol between the coordinator's <see cref="ClientDirectoryActor"/> and a client node's
/// <see cref="ClientHostActor"/>. Control only: weights travel as <see cref="WeightRef"/>s, bytes on the data plane.
/// Requests carry a call id; the reply to a request carries the same id.
/// </summary>
public static class ClientHost
{
    /// <summary>A client hosted on a node: what the coordinator needs to make a proxy of it.</summary>
    /// <param name="Classes">Size of the client's label space, so the coordinator can shape its task's head without
    /// seeing the data; 0 = not announced.</param>
    /// <param name="Setup">What the client node's experiment settings must share with the coordinator's (set by the
    /// composition layer, compared there); "" = not announced.</param>
    public sealed record HostedClient(string Id, string Task, int Classes = 0, string Setup = "");

    /// <summary>Asks a host for its <see cref="Roster"/>.</summary>
    public sealed class Hello : IClusterMessage
    {
        public static Hello Instance { get; } = new();
        private Hello() { }
    }

    /// <summary>The clients a node hosts.</summary>
    public sealed record Roster(IReadOnlyList<HostedClient> Clients) : IClusterMessage;

    public interface IRequest : IClusterMessage
    {
        long CallId { get; }
        string ClientId { get; }
    }

    public interface IReply : IClusterMessage
    {
        long CallId { get; }
    }

    /// <summary>Train client <paramref name="ClientId"/> from the global weights at <paramref name="Global"/>.</summary>
    public sealed record Fit(long CallId, string ClientId, int Round, string Phase, WeightRef Global, IReadOnlyDictionary<string, string> Config)
        : IRequest;

    /// <summary>Evaluate the global weights at <paramref name="Global"/> on client <paramref name="ClientId"/>.</summary>
    public sealed record Evaluate(long CallId, string ClientId, int Round, string Phase, WeightRef Global, IReadOnlyDictionary<string, string> Config)
        : IRequest;

    /// <summary>A fit's result; the trained weights wait on the client node's data plane at <paramref name="Weights"/>.</summary>
    public sealed record Fitted(long CallId, int Round, WeightRef Weights, long NumExamples, IReadOnlyDictionary<string, double> Metrics)
        : IReply;

    public sealed record Evaluated(long CallId, int Round, long NumExamples, IReadOnlyDictionary<string, double> Metrics) : IReply;

    /// <summary>The call produced no result: the client threw, its node left, or the weights could not be moved.</summary>
    public sealed record Failed(long CallId, string Reason) : IReply;
}
