using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;

namespace FedActors.Cluster;

/// <summary>
/// What one actor system needs to take part in a FedActors cluster: its settings and its data plane, started once
/// and stopped with the system. <see cref="Create"/> makes such a system and joins the cluster.
/// </summary>
public sealed class FedActorsNode : IExtension
{
    private readonly Lazy<IActorRef> _directory;

    internal FedActorsNode(ExtendedActorSystem system)
    {
        Settings = ClusterSettings.Create(system.Settings.Config);
        Store = WeightStore.Start(Settings);
        system.RegisterOnTermination(Store.Dispose);
        _directory = new Lazy<IActorRef>(() => system.ActorOf(ClientDirectoryActor.Props(Connectivity), ClientDirectoryActor.Name));
    }

    public ClusterSettings Settings { get; }

    /// <summary>This node's data plane.</summary>
    public WeightStore Store { get; }

    /// <summary>On a coordinator: which remote clients can be reached now.</summary>
    public ClientConnectivity Connectivity { get; } = new();

    /// <summary>The coordinator's directory of remote clients, started on first use.</summary>
    internal IActorRef Directory => _directory.Value;

    public static FedActorsNode Get(ActorSystem system) => system.WithExtension<FedActorsNode, FedActorsNodeProvider>();

    /// <summary>
    /// Creates actor system <paramref name="name"/> from <paramref name="config"/> (the root config: its
    /// <c>fedactors.cluster</c> section, any <c>akka</c> keys of its own) with the Akka settings derived from
    /// <c>fedactors.cluster</c> on top, starts its data plane and joins the seed nodes, or itself when there are none.
    /// With <c>fedactors.cluster.tls.enabled</c>, Akka.Remote runs over mutual TLS with the data plane's certificates.
    /// Every node of one cluster must use the same <paramref name="name"/>.
    /// </summary>
    public static ActorSystem Create(Config config, string name = "fedactors")
    {
        ArgumentNullException.ThrowIfNull(config);
        var settings = ClusterSettings.Create(config);
        var akka = ClusterNodeConfig.Create(settings).WithFallback(config).WithFallback(ClusterSettings.Defaults);
        var system = settings.Tls.Enabled
            ? ActorSystem.Create(name, BootstrapSetup.Create().WithConfig(akka).And(RemoteTls(settings.Tls)))
            : ActorSystem.Create(name, akka);
        try
        {
            Get(system);
            var cluster = Akka.Cluster.Cluster.Get(system);
            if (settings.SeedNodes.Count == 0) cluster.Join(cluster.SelfAddress);
            return system;
        }
        catch
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
            throw;
        }
    }

    // Akka.Remote's TLS (DotNetty) with the data plane's model: both ends present the node certificate, and a peer is
    // accepted only with the pinned one; no CA chain or host name check.
    private static DotNettySslSetup RemoteTls(TlsSettings tls)
    {
        var (own, trusted) = DataPlaneTls.LoadCertificates(tls);
        return new DotNettySslSetup(
            own, suppressValidation: false, requireMutualAuthentication: true, validateCertificateHostname: false,
            CertificateValidation.PinnedCertificate(trusted.Thumbprint));
    }
}

internal sealed class FedActorsNodeProvider : ExtensionIdProvider<FedActorsNode>
{
    public override FedActorsNode CreateExtension(ExtendedActorSystem system) => new(system);
}
