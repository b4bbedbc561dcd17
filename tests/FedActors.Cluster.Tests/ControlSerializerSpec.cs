using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace FedActors.Cluster.Tests;

/// <summary>The explicit binding and the closed, bounded encoding of every FedActors cluster message.</summary>
public sealed class ControlSerializerSpec(ControlSerializerSpec.NodeFixture node) : IClassFixture<ControlSerializerSpec.NodeFixture>
{
    private static readonly WeightRef Weights = new(new string('a', 64), 7, "10.0.0.2", 40123, 102_400_000);

    private readonly ActorSystem _system = node.System;

    /// <summary>One actor system, configured as a node with a 32000-byte message bound, for all the cases.</summary>
    public sealed class NodeFixture : IDisposable
    {
        private static readonly Config Bound = ConfigurationFactory.ParseString("fedactors.cluster.max-message-bytes = 32000");

        public ActorSystem System { get; } = ActorSystem.Create(
            "serializer-spec",
            ClusterNodeConfig.Create(ClusterSettings.Create(Bound)).WithFallback(Bound).WithFallback(ClusterSettings.Defaults));

        public void Dispose() => System.Terminate().Wait(TimeSpan.FromSeconds(10));
    }

    public static TheoryData<IClusterMessage> Messages => new()
    {
        ClientHost.Hello.Instance,
        new ClientHost.Roster([new("c1", "A"), new("ü-2", "B", 102, "seed 7, settings 0a1b", new Dictionary<string, long> { ["simclr"] = 5782, ["heads"] = 1927 })]),
        new ClientHost.Fit(1, "c1", 3, "simclr", Weights, new Dictionary<string, string> { ["epochs"] = "2", ["lr"] = "0.1" }),
        new ClientHost.Evaluate(2, "c1", 3, "heads", Weights, new Dictionary<string, string>()),
        new ClientHost.Fitted(3, 3, Weights, 128, new Dictionary<string, double> { ["loss"] = 0.25, ["acc1"] = double.NaN }),
        new ClientHost.Evaluated(4, 3, 64, new Dictionary<string, double> { ["acc1"] = 0.5 }),
        new ClientHost.Failed(5, "InvalidOperationException: boom"),
        new ClientHost.Cancel(6, "c1"),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Serializer_must_be_bound_to_every_cluster_message_and_round_trip_it(IClusterMessage message)
    {
        var serialization = _system.Serialization;
        var serializer = Assert.IsType<ControlSerializer>(serialization.FindSerializerFor(message));
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);

        var back = serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);

        Assert.Equal(Render(message), Render(back));
    }

    [Fact]
    public void Serializer_must_refuse_an_unknown_manifest_and_malformed_bytes()
    {
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerForType(typeof(ClientHost.Failed));
        var bytes = serializer.ToBinary(new ClientHost.Failed(1, "why"));

        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "System.Object"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..^1], "X"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary([.. bytes, 0], "X"));
        var lying = bytes.ToArray();
        BitConverter.TryWriteBytes(lying.AsSpan(8), int.MaxValue); // the reason's length
        Assert.Throws<SerializationException>(() => serializer.FromBinary(lying, "X"));
        var hugeCount = new byte[12];
        BitConverter.TryWriteBytes(hugeCount.AsSpan(0), 1_000_000);
        Assert.Throws<SerializationException>(() => serializer.FromBinary(hugeCount[..4], "R"));
    }

    [Fact]
    public void Serializer_must_bound_message_size_both_ways()
    {
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerForType(typeof(ClientHost.Roster));
        var many = new ClientHost.Roster([.. Enumerable.Range(0, 3000).Select(i => new ClientHost.HostedClient($"client-{i:D5}", "A"))]);

        var e = Assert.Throws<SerializationException>(() => serializer.ToBinary(many));
        Assert.Contains("max-message-bytes = 32000", e.Message, StringComparison.Ordinal);
        Assert.Throws<SerializationException>(() => serializer.FromBinary(new byte[40000], "R"));
    }

    // Records with dictionaries and lists do not compare by content: compare a rendering instead.
    private static string Render(object message) => message switch
    {
        ClientHost.Roster r => "Roster " + string.Join(";", r.Clients.Select(c =>
            $"{c with { Shard = null }} {string.Join(",", (c.Shard ?? new Dictionary<string, long>()).OrderBy(p => p.Key))}")),
        ClientHost.Fit f => $"Fit {f with { Config = null! }} {string.Join(";", f.Config.OrderBy(p => p.Key))}",
        ClientHost.Evaluate e => $"Evaluate {e with { Config = null! }} {string.Join(";", e.Config.OrderBy(p => p.Key))}",
        ClientHost.Fitted f => $"Fitted {f with { Metrics = null! }} {string.Join(";", f.Metrics.OrderBy(p => p.Key))}",
        ClientHost.Evaluated e => $"Evaluated {e with { Metrics = null! }} {string.Join(";", e.Metrics.OrderBy(p => p.Key))}",
        _ => message.ToString()!,
    };
}
