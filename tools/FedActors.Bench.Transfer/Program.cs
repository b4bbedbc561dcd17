// Moves a ResNet50-sized state (100 MB of float32) over loopback, in one process, three ways, and prints MB/s:
//   raw        one socket pair, 1 MiB writes of a byte[] into one 100 MB byte[] allocated and touched once before
//              the timings (the ceiling: no allocation, no page faults, no checks);
//   raw fresh  the same into a 100 MB byte[] allocated for each transfer, as the data plane's tensors are;
//   data-plane WeightStore.Register on one store, Fetch from another (encode, TCP, decode into newly allocated
//              tensors, XxHash128 check);
//   tls        the same over mutual TLS (self-signed certificate made here);
// The plain data-plane transfers run between the stores of two cluster nodes (a coordinator and a client node on
// loopback, default failure detector) that count the reachability events they see during the transfers.
//   and the checksum of the state alone (XxHash128, the receiver's integrity check) and SHA-256 (what the check
//   was before), for scale.
// CPU is the median process CPU time (all threads, user + system) per transfer: on a busy machine the steadier
// measure of what a way costs, where wall-clock MB/s depends on what else runs.
// Usage: dotnet run -c Release --project tools/FedActors.Bench.Transfer -- [megabytes=100] [repeats=5]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Collections.Concurrent;
using Akka.Actor;
using ClusterEvent = Akka.Cluster.ClusterEvent;
using MemberStatus = Akka.Cluster.MemberStatus;
using Akka.Configuration;
using FedActors.Cluster;
using FedActors.Core;

var megabytes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var weights = State(megabytes * 1_000_000L);
var bytes = WeightCodec.EncodedSize(weights);
Console.WriteLine($"state: {weights.Count} tensors, {bytes / 1e6:F1} MB encoded; {repeats} transfers each, best and median MB/s");

var hashing = Stopwatch.StartNew();
_ = WeightCodec.Checksum(weights);
Console.WriteLine($"{"register (checksum once)",-28} {hashing.Elapsed.TotalMilliseconds,8:F0} ms (sender side, once per snapshot, not in the transfers)");
// The raw way's destination: allocated and written once here, so that its transfers pay for nothing but TCP.
var sink = new byte[bytes];
Array.Fill(sink, (byte)1);

var dir = Directory.CreateTempSubdirectory("fedactors-bench-").FullName;
try
{
    var pfx = Path.Combine(dir, "node.pfx");
    using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
    using (var cert = new CertificateRequest("CN=bench", key, HashAlgorithmName.SHA256)
               .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1)))
        File.WriteAllBytes(pfx, cert.Export(X509ContentType.Pkcs12));
    var tls = Settings($$"""fedactors.cluster.tls { enabled = on, certificate = "{{pfx}}" }""");
    var (coordinator, clientNode) = await TwoNodeCluster();
    var reachabilityEvents = new ConcurrentQueue<string>();
    foreach (var system in new[] { coordinator, clientNode })
        Akka.Cluster.Cluster.Get(system).Subscribe(
            system.ActorOf(Props.Create(() => new ReachabilityLog(system.Name, reachabilityEvents))),
            ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IReachabilityEvent));
    var sender = FedActorsNode.Get(coordinator).Store;
    var receiver = FedActorsNode.Get(clientNode).Store;
    using var tlsSender = WeightStore.Start(tls);
    using var tlsReceiver = WeightStore.Start(tls);
    var reference = sender.Offer("bench", weights);
    var tlsReference = tlsSender.Offer("bench", weights);

    // Interleaved, so that a busy machine slows every contender alike.
    var ways = new (string Name, Action Transfer)[]
    {
        ("raw loopback TCP", () => RawLoopback(sink)),
        ("raw, fresh buffer each time", () => RawLoopback(GC.AllocateUninitializedArray<byte>((int)bytes))),
        ("data plane", () => receiver.Fetch(reference)),
        ("data plane + TLS", () => tlsReceiver.Fetch(tlsReference)),
        ("XxHash128 alone (no transfer)", () => WeightCodec.Checksum(weights)),
        ("SHA-256 alone (no transfer)", () => weights.ContentHash()),
    };
    var times = ways.ToDictionary(w => w.Name, _ => new List<TimeSpan>());
    var cpu = ways.ToDictionary(w => w.Name, _ => new List<TimeSpan>());
    using var self = Process.GetCurrentProcess();
    foreach (var way in ways) way.Transfer(); // warm-up: connections, JIT, page faults
    for (var i = 0; i < repeats; i++)
    {
        foreach (var way in ways)
        {
            self.Refresh();
            var cpuBefore = self.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            way.Transfer();
            times[way.Name].Add(watch.Elapsed);
            self.Refresh();
            cpu[way.Name].Add(self.TotalProcessorTime - cpuBefore);
        }
    }
    foreach (var way in ways)
        Report(way.Name, bytes, times[way.Name], cpu[way.Name], way.Name == ways[0].Name ? null : times[ways[0].Name]);
    var members = Akka.Cluster.Cluster.Get(coordinator).State.Members.Count(m => m.Status == MemberStatus.Up);
    Console.WriteLine($"cluster during the data-plane transfers: {reachabilityEvents.Count} reachability events, {members} of 2 members up at the end");
    foreach (var e in reachabilityEvents) Console.WriteLine("  " + e);
    await Task.WhenAll(clientNode.Terminate(), coordinator.Terminate());
}
finally
{
    Directory.Delete(dir, recursive: true);
}

// A coordinator and a client node on loopback, joined and up.
static async Task<(ActorSystem Coordinator, ActorSystem Client)> TwoNodeCluster()
{
    const string Quiet = "akka.loglevel = ERROR\nakka.cluster.log-info = off";
    var coordinator = FedActorsNode.Create(ConfigurationFactory.ParseString($"fedactors.cluster.role = coordinator\n{Quiet}"), "bench");
    var seed = Akka.Cluster.Cluster.Get(coordinator).SelfAddress;
    var client = FedActorsNode.Create(
        ConfigurationFactory.ParseString($"fedactors.cluster {{ role = client, seed-nodes = [\"{seed}\"] }}\n{Quiet}"), "bench");
    var watch = Stopwatch.StartNew();
    while (Akka.Cluster.Cluster.Get(coordinator).State.Members.Count(m => m.Status == MemberStatus.Up) < 2)
    {
        if (watch.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("the two bench nodes did not form a cluster in 30 s");
        await Task.Delay(100);
    }
    return (coordinator, client);
}

static ClusterSettings Settings(string hocon) => ClusterSettings.Create(ConfigurationFactory.ParseString(hocon));

// ResNet50's shape of a state dict: a few large tensors and many small ones.
static ModelWeights State(long targetBytes)
{
    var tensors = new List<NamedTensor>();
    var random = new Random(1);
    long left = targetBytes / 4;
    for (var i = 0; left > 0; i++)
    {
        var n = (int)Math.Min(left, i % 4 == 3 ? 2048 : 2_359_296);
        var data = new float[n];
        for (var j = 0; j < n; j++) data[j] = (float)random.NextDouble();
        tensors.Add(new NamedTensor($"layer{i / 4}.{i % 4}.weight", [n], data));
        left -= n;
    }
    return new ModelWeights(tensors);
}

static void Report(string what, long bytes, List<TimeSpan> times, List<TimeSpan> cpu, List<TimeSpan>? raw = null)
{
    static double Rate(long b, TimeSpan t) => b / 1e6 / t.TotalSeconds;
    static double Median(List<TimeSpan> ts) => ts.Select(t => t.TotalSeconds).Order().ElementAt(ts.Count / 2);
    var best = Rate(bytes, times.Min());
    var median = bytes / 1e6 / Median(times);
    var share = raw is null ? "" : $"  ({100 * median / (bytes / 1e6 / Median(raw)):F0}% of raw, median)";
    Console.WriteLine($"{what,-28} best {best,7:F0} MB/s  median {median,7:F0} MB/s  CPU {1000 * Median(cpu),4:F0} ms{share}");
}

static void RawLoopback(byte[] sink)
{
    var bytes = sink.LongLength;
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    var source = new byte[1 << 20];
    var send = Task.Factory.StartNew(() =>
    {
        using var socket = listener.AcceptSocket();
        socket.SendBufferSize = 4 << 20;
        for (long at = 0; at < bytes; at += source.Length)
            socket.Send(source.AsSpan(0, (int)Math.Min(source.Length, bytes - at)));
        socket.Shutdown(SocketShutdown.Send);
    }, TaskCreationOptions.LongRunning);
    using (var client = new Socket(SocketType.Stream, ProtocolType.Tcp))
    {
        client.ReceiveBufferSize = 4 << 20;
        client.Connect(IPAddress.Loopback, port);
        long got = 0;
        while (got < bytes)
        {
            var n = client.Receive(sink.AsSpan((int)got, (int)Math.Min(1 << 20, bytes - got)));
            if (n == 0) throw new IOException("raw sender closed early");
            got += n;
        }
    }
    send.GetAwaiter().GetResult();
}

/// <summary>Records every reachability event its node sees.</summary>
internal sealed class ReachabilityLog : ReceiveActor
{
    public ReachabilityLog(string node, ConcurrentQueue<string> log) =>
        Receive<ClusterEvent.IReachabilityEvent>(e => log.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {node}: {e}"));
}
