using System.Reflection;
using Akka.Configuration;

namespace FedActors.Cluster;

/// <summary>TLS for the data plane (<c>fedactors.cluster.tls</c>).</summary>
/// <param name="Enabled">Whether every data-plane connection is TLS.</param>
/// <param name="Certificate">PKCS#12 file with this node's certificate and key.</param>
/// <param name="Password">Password of <paramref name="Certificate"/>; empty = none.</param>
/// <param name="TrustedCertificate">Certificate a peer must present (pinned by thumbprint); empty = <paramref name="Certificate"/>.</param>
public sealed record TlsSettings(bool Enabled, string Certificate, string Password, string TrustedCertificate)
{
    public static TlsSettings Off { get; } = new(false, "", "", "");
}

/// <summary>
/// The <c>fedactors.cluster</c> section, read once. Keys and defaults are documented in reference.conf (src/FedActors.Engine),
/// embedded in this assembly as the fallback of every key.
/// </summary>
public sealed record ClusterSettings(
    string Role,
    string Hostname,
    int Port,
    IReadOnlyList<string> SeedNodes,
    int MinClients,
    TimeSpan WaitForClients,
    int MaxMessageBytes,
    string DataHostname,
    int DataPort,
    long MaxTransferBytes,
    int MaxConnections,
    TimeSpan ConnectTimeout,
    TimeSpan IdleTimeout,
    TlsSettings Tls,
    TimeSpan HeartbeatInterval,
    TimeSpan AcceptableHeartbeatPause,
    TimeSpan StableAfter)
{
    public const string Section = "fedactors.cluster";
    public const string CoordinatorRole = "coordinator";
    public const string ClientRole = "client";

    /// <summary>The embedded defaults: FedActors.Engine's reference.conf (its <c>fedactors.cluster</c> section).</summary>
    public static Config Defaults { get; } = LoadDefaults();

    public static ClusterSettings Default { get; } = Create(Config.Empty);

    /// <summary>The address the data plane advertises: <see cref="DataHostname"/>, or the node's hostname.</summary>
    public string DataPlaneHost => DataHostname.Length > 0 ? DataHostname : Hostname;

    /// <summary>Reads <c>fedactors.cluster</c> from a root config; missing keys take the embedded defaults.</summary>
    /// <exception cref="ConfigurationException">A value is out of range; the message names the key.</exception>
    public static ClusterSettings Create(Config root)
    {
        var c = (root ?? Config.Empty).WithFallback(Defaults).GetConfig(Section);
        var settings = new ClusterSettings(
            Role: c.GetString("role"),
            Hostname: c.GetString("hostname"),
            Port: c.GetInt("port"),
            SeedNodes: c.GetStringList("seed-nodes").ToArray(),
            MinClients: c.GetInt("min-clients"),
            WaitForClients: c.GetTimeSpan("wait-for-clients"),
            MaxMessageBytes: c.GetInt("max-message-bytes"),
            DataHostname: c.GetString("data-plane.hostname") ?? "",
            DataPort: c.GetInt("data-plane.port"),
            MaxTransferBytes: c.GetLong("data-plane.max-transfer-bytes"),
            MaxConnections: c.GetInt("data-plane.max-connections"),
            ConnectTimeout: c.GetTimeSpan("data-plane.connect-timeout"),
            IdleTimeout: c.GetTimeSpan("data-plane.idle-timeout"),
            Tls: new TlsSettings(
                c.GetBoolean("tls.enabled"),
                c.GetString("tls.certificate") ?? "",
                c.GetString("tls.password") ?? "",
                c.GetString("tls.trusted-certificate") ?? ""),
            HeartbeatInterval: c.GetTimeSpan("failure-detector.heartbeat-interval"),
            AcceptableHeartbeatPause: c.GetTimeSpan("failure-detector.acceptable-heartbeat-pause"),
            StableAfter: c.GetTimeSpan("split-brain-resolver.stable-after"));
        settings.Validate();
        return settings;
    }

    /// <summary>Throws a <see cref="ConfigurationException"/> naming the first key whose value is out of range.</summary>
    public void Validate()
    {
        if (Role is not (CoordinatorRole or ClientRole)) throw Invalid("role", Role, "must be 'coordinator' or 'client'");
        if (string.IsNullOrEmpty(Hostname)) throw Invalid("hostname", Hostname, "must not be empty");
        if (Port is < 0 or > 65535) throw Invalid("port", Port, "must be 0..65535");
        if (DataPort is < 0 or > 65535) throw Invalid("data-plane.port", DataPort, "must be 0..65535");
        if (MinClients < 0) throw Invalid("min-clients", MinClients, "must be 0 or more");
        if (WaitForClients <= TimeSpan.Zero) throw Invalid("wait-for-clients", WaitForClients, "must be positive");
        if (MaxMessageBytes < 32000) throw Invalid("max-message-bytes", MaxMessageBytes, "must be at least 32000 (Akka.Remote's smallest frame)");
        if (MaxTransferBytes < 1) throw Invalid("data-plane.max-transfer-bytes", MaxTransferBytes, "must be positive");
        if (MaxConnections is < 1 or > 4096) throw Invalid("data-plane.max-connections", MaxConnections, "must be 1..4096");
        if (ConnectTimeout <= TimeSpan.Zero) throw Invalid("data-plane.connect-timeout", ConnectTimeout, "must be positive");
        if (IdleTimeout <= TimeSpan.Zero) throw Invalid("data-plane.idle-timeout", IdleTimeout, "must be positive");
        if (Tls.Enabled && string.IsNullOrEmpty(Tls.Certificate))
            throw Invalid("tls.certificate", Tls.Certificate, "is required when tls.enabled = on");
        if (HeartbeatInterval <= TimeSpan.Zero) throw Invalid("failure-detector.heartbeat-interval", HeartbeatInterval, "must be positive");
        if (AcceptableHeartbeatPause <= HeartbeatInterval)
            throw Invalid("failure-detector.acceptable-heartbeat-pause", AcceptableHeartbeatPause, "must exceed heartbeat-interval");
        if (StableAfter <= TimeSpan.Zero) throw Invalid("split-brain-resolver.stable-after", StableAfter, "must be positive");
    }

    private static ConfigurationException Invalid(string key, object? value, string why) =>
        new($"{Section}.{key} = {value}: {why}");

    private static Config LoadDefaults()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("FedActors.Cluster.cluster.conf")
            ?? throw new InvalidOperationException("FedActors.Cluster.cluster.conf is not embedded");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
