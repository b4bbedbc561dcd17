using System.Globalization;
using Akka.Configuration;

namespace FedActors.Cluster;

/// <summary>
/// The Akka configuration of a FedActors cluster node, derived from <see cref="ClusterSettings"/>: cluster provider,
/// remote endpoint (TLS on with <c>tls.enabled</c>; the certificates come through <see cref="FedActorsNode.Create"/>), role,
/// seeds, failure detector, split-brain resolver and the serializer bindings of every FedActors cluster message.
/// </summary>
public static class ClusterNodeConfig
{
    public static Config Create(ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        static string Q(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        static string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        // Akka names the TLS transport's addresses akka.ssl.tcp://: one config serves with TLS on and off.
        var seeds = string.Join(", ", settings.SeedNodes.Select(s => Q(settings.Tls.Enabled ? WithTlsScheme(s) : s)));
        var serializer = Q($"{typeof(ControlSerializer).FullName}, {typeof(ControlSerializer).Assembly.GetName().Name}");
        var binding = Q($"{typeof(IClusterMessage).FullName}, {typeof(IClusterMessage).Assembly.GetName().Name}");
        var hocon = $$"""
            akka {
              actor {
                provider = cluster
                serializers { fedactors-cluster = {{serializer}} }
                serialization-bindings { {{binding}} = fedactors-cluster }
              }
              remote.dot-netty.tcp {
                hostname = {{Q(settings.Hostname)}}
                port = {{settings.Port}}
                maximum-frame-size = {{settings.MaxMessageBytes}}b
                enable-ssl = {{(settings.Tls.Enabled ? "on" : "off")}}
              }
              cluster {
                roles = [{{Q(settings.Role)}}]
                seed-nodes = [{{seeds}}]
                failure-detector {
                  heartbeat-interval = {{Ms(settings.HeartbeatInterval)}}
                  acceptable-heartbeat-pause = {{Ms(settings.AcceptableHeartbeatPause)}}
                }
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = keep-oldest
                  stable-after = {{Ms(settings.StableAfter)}}
                  # The coordinator's side survives a partition; a lone coordinator must not down itself.
                  keep-oldest { role = {{Q(ClusterSettings.CoordinatorRole)}}, down-if-alone = off }
                }
              }
            }
            """;
        return ConfigurationFactory.ParseString(hocon);
    }

    private static string WithTlsScheme(string address) =>
        address.StartsWith("akka.tcp://", StringComparison.Ordinal) ? "akka.ssl.tcp://" + address["akka.tcp://".Length..] : address;
}
