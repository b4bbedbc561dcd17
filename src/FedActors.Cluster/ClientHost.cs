using FedActors.Core;

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
    /// <param name="Shard">Examples the client trains on per phase (<see cref="IKnownShard"/>), so the coordinator can refuse
    /// an update that reports more; null or a missing phase = not announced.</param>
    public sealed record HostedClient(string Id, string Task, int Classes = 0, string Setup = "", IReadOnlyDictionary<string, long>? Shard = null)
    {
        /// <summary>The announced shard size of <paramref name="phase"/>, 0 when not announced.</summary>
        public long ShardSize(string phase) => Shard is not null && Shard.TryGetValue(phase, out var n) ? n : 0;

        /// <summary>What a node announces of <paramref name="client"/>: its shard sizes when it knows them.</summary>
        public static IReadOnlyDictionary<string, long>? ShardOf(IFederatedClient client) =>
            client is IKnownShard known ? Phases.All.ToDictionary(p => p, known.ShardSize, StringComparer.Ordinal) : null;
    }

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

    /// <summary>
    /// The coordinator no longer wants the result of call <paramref name="CallId"/> (its round's deadline passed): the
    /// client node stops the work (a training loop checks its cancellation every step) or, if it has not started, never
    /// starts it, and answers the call with <see cref="Failed"/>.
    /// </summary>
    public sealed record Cancel(long CallId, string ClientId) : IClusterMessage;
}
