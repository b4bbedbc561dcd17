using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Akka.Configuration;
using FedActors.Core;

namespace FedActors.Cluster.Tests;

/// <summary>The weight data plane on loopback: round trips, integrity, bounds, TLS.</summary>
public sealed class DataPlaneSpec : IDisposable
{
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    internal static ClusterSettings Settings(string hocon = "") =>
        ClusterSettings.Create(ConfigurationFactory.ParseString(hocon));

    internal static ModelWeights Sample(int values = 1000, float offset = 0f) => new([
        new NamedTensor("backbone.conv1.weight", [values / 10, 10], Enumerable.Range(0, values).Select(i => i * 0.5f + offset).ToArray()),
        new NamedTensor("backbone.bn1.num_batches_tracked", [], [3f]),
        new NamedTensor("head.A.bias", [2], [-1f, 1f]),
    ]);

    [Fact]
    public void Store_must_hand_a_registered_snapshot_to_a_fetcher_unchanged()
    {
        using var sender = WeightStore.Start(Settings());
        using var receiver = WeightStore.Start(Settings());
        var weights = Sample();

        var reference = sender.Offer("test", weights);
        var fetched = receiver.Fetch(reference);

        Assert.Equal(WeightCodec.Checksum(weights), reference.Hash);
        Assert.Equal(32, reference.Hash.Length);
        Assert.Equal(WeightCodec.EncodedSize(weights), reference.ByteSize);
        Assert.Equal(weights.Names, fetched.Names);
        Assert.All(weights, t => Assert.Equal(t.Data, fetched[t.Name].Data));
        Assert.Equal([], fetched["backbone.bn1.num_batches_tracked"].Shape);
        Assert.Equal(weights.ContentHash(), fetched.ContentHash());
    }

    [Fact]
    public void Checksum_must_cover_names_shapes_and_every_value()
    {
        var weights = Sample();
        var checksum = WeightCodec.Checksum(weights);

        Assert.Equal(checksum, WeightCodec.Checksum(Sample())); // same content, other arrays
        Assert.NotEqual(checksum, WeightCodec.Checksum(Sample(offset: 1e-6f)));
        var lastValue = weights.Select(t => t.Name == "head.A.bias" ? new NamedTensor(t.Name, t.Shape, [-1f, 1.0000001f]) : t);
        Assert.NotEqual(checksum, WeightCodec.Checksum(new ModelWeights([.. lastValue])));
        var renamed = weights.Select(t => t.Name == "head.A.bias" ? new NamedTensor("head.B.bias", t.Shape, t.Data) : t);
        Assert.NotEqual(checksum, WeightCodec.Checksum(new ModelWeights([.. renamed])));
        var reshaped = weights.Select(t => t.Name == "backbone.conv1.weight" ? new NamedTensor(t.Name, [10, 100], t.Data) : t);
        Assert.NotEqual(checksum, WeightCodec.Checksum(new ModelWeights([.. reshaped])));
    }

    [Fact]
    public void Store_must_say_so_when_it_no_longer_holds_a_snapshot()
    {
        using var store = WeightStore.Start(Settings());
        var first = store.Offer("slot", Sample(offset: 1));
        store.Offer("slot", Sample(offset: 2)); // the slot keeps one: the first goes

        var e = Assert.Throws<WeightTransferException>(() => store.Fetch(first));
        Assert.Contains("no longer holds it", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public void Store_must_offer_a_snapshot_while_some_slot_keeps_it()
    {
        using var store = WeightStore.Start(Settings());
        var shared = Sample(offset: 1);
        var a = store.Offer("a", shared);
        store.Offer("b", Sample(offset: 1)); // the same content from another client: one entry, two holders
        var older = store.Offer("globals", Sample(offset: 5), keep: 2);
        store.Offer("globals", Sample(offset: 6), keep: 2);
        Assert.Equal(3, store.Count);

        store.Offer("a", Sample(offset: 2)); // a moves on; b still keeps the shared snapshot
        Assert.Equal(shared.ContentHash(), store.Fetch(a).ContentHash());
        store.Withdraw("b");
        Assert.Throws<WeightTransferException>(() => store.Fetch(a));

        Assert.Equal(Sample(offset: 5).ContentHash(), store.Fetch(older).ContentHash());
        store.Offer("globals", Sample(offset: 7), keep: 2); // the third global pushes the first out
        Assert.Throws<WeightTransferException>(() => store.Fetch(older));
        Assert.Equal(3, store.Count); // a's latest and the last two globals
    }

    [Fact]
    public void Store_must_listen_on_the_address_of_its_host_name_only()
    {
        using var store = WeightStore.Start(Settings("fedactors.cluster.hostname = localhost"));
        Assert.True(IPAddress.IsLoopback(store.BoundTo.Address), $"bound to {store.BoundTo}, not to localhost's address");
        Assert.Equal("localhost", store.Host);
        var weights = Sample();
        Assert.Equal(weights.ContentHash(), store.Fetch(store.Offer("s", weights)).ContentHash());
    }

    [Fact]
    public void Store_must_refuse_to_start_on_a_host_name_that_does_not_resolve()
    {
        var e = Assert.Throws<WeightTransferException>(() => WeightStore.Start(Settings("fedactors.cluster.data-plane.hostname = \"no-such-host.invalid\"")));
        Assert.Contains("data-plane.hostname", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Store_must_serve_at_most_max_connections_at_once_and_the_rest_in_turn()
    {
        using var store = WeightStore.Start(Settings("fedactors.cluster.data-plane.max-connections = 2"));
        var weights = Sample();
        var reference = store.Offer("s", weights);
        // Five peers connect and say nothing: two are served (waiting for their request), three wait in the backlog.
        var silent = Enumerable.Range(0, 5).Select(_ => new TcpClient()).ToList();
        try
        {
            foreach (var peer in silent) await peer.ConnectAsync(IPAddress.Loopback, store.Port);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (store.ActiveConnections < 2 && DateTime.UtcNow < deadline) await Task.Delay(10);
            Assert.Equal(2, store.ActiveConnections);

            // A real fetch waits its turn; closing the silent peers frees the slots and it goes through.
            var fetch = Task.Run(() => store.Fetch(reference));
            foreach (var peer in silent) peer.Dispose();
            Assert.Equal(weights.ContentHash(), (await fetch.WaitAsync(TimeSpan.FromSeconds(30))).ContentHash());
        }
        finally
        {
            foreach (var peer in silent) peer.Dispose();
        }
        Assert.Equal(2, store.MostConnections);
    }

    [Fact]
    public void Fetcher_must_refuse_a_snapshot_larger_than_expected_before_connecting()
    {
        using var store = WeightStore.Start(Settings());
        var reference = store.Offer("s", Sample());
        var e = Assert.Throws<WeightTransferException>(() => store.Fetch(reference, maxBytes: reference.ByteSize - 1));
        Assert.Contains("larger than the", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.MostConnections); // refused without a connection
        Assert.Equal(Sample().ContentHash(), store.Fetch(reference, maxBytes: reference.ByteSize).ContentHash());
    }

    [Fact]
    public void Fetcher_must_reject_a_stream_with_one_corrupted_byte()
    {
        var weights = Sample();
        var payload = Encode(weights);
        payload[^5] ^= 0x01; // one bit of the last tensor's values
        using var store = WeightStore.Start(Settings());
        using var liar = new ScriptedServer(payload);
        var reference = new WeightRef(WeightCodec.Checksum(weights), 1, "127.0.0.1", liar.Port, payload.Length);

        var e = Assert.Throws<WeightTransferException>(() => store.Fetch(reference));
        Assert.Contains("integrity check failed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fetcher_must_reject_a_stream_that_is_shorter_than_announced()
    {
        var weights = Sample();
        var payload = Encode(weights);
        using var store = WeightStore.Start(Settings());
        using var liar = new ScriptedServer(payload[..^100], announce: payload.Length);
        var reference = new WeightRef(WeightCodec.Checksum(weights), 1, "127.0.0.1", liar.Port, payload.Length);

        var e = Assert.Throws<WeightTransferException>(() => store.Fetch(reference));
        Assert.Contains("ended before", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_plane_must_enforce_max_transfer_bytes_on_both_ends()
    {
        using var small = WeightStore.Start(Settings("fedactors.cluster.data-plane.max-transfer-bytes = 1024"));
        using var large = WeightStore.Start(Settings());
        var weights = Sample(values: 1000); // ~4 KB

        var offered = Assert.Throws<WeightTransferException>(() => small.Offer("test", weights));
        Assert.Contains("max-transfer-bytes = 1024", offered.Message, StringComparison.Ordinal);
        var fetched = Assert.Throws<WeightTransferException>(() => small.Fetch(large.Offer("test", weights)));
        Assert.Contains("max-transfer-bytes = 1024", fetched.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fetcher_must_fail_clearly_when_nobody_listens()
    {
        using var store = WeightStore.Start(Settings("fedactors.cluster.data-plane.connect-timeout = 2s"));
        var port = FreePort();
        var reference = new WeightRef(new string('a', 32), 1, "127.0.0.1", port, 100);

        var e = Assert.Throws<WeightTransferException>(() => store.Fetch(reference));
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_plane_must_round_trip_over_tls_with_a_pinned_certificate()
    {
        var pfx = _certificates.Pfx("node", "secret");
        var tls = $$"""fedactors.cluster.tls { enabled = on, certificate = "{{pfx}}", password = "secret" }""";
        using var sender = WeightStore.Start(Settings(tls));
        using var receiver = WeightStore.Start(Settings(tls));
        var weights = Sample();

        var fetched = receiver.Fetch(sender.Offer("test", weights));

        Assert.Equal(weights.ContentHash(), fetched.ContentHash());
    }

    [Fact]
    public void Data_plane_must_refuse_a_peer_with_another_certificate()
    {
        var mine = _certificates.Pfx("mine", "");
        var theirs = _certificates.Pfx("theirs", "");
        using var sender = WeightStore.Start(Settings($$"""fedactors.cluster.tls { enabled = on, certificate = "{{theirs}}" }"""));
        using var receiver = WeightStore.Start(Settings($$"""fedactors.cluster.tls { enabled = on, certificate = "{{mine}}" }"""));

        Assert.Throws<WeightTransferException>(() => receiver.Fetch(sender.Offer("test", Sample())));
    }

    [Fact]
    public void Data_plane_must_not_talk_to_a_plain_peer_when_tls_is_on()
    {
        var pfx = _certificates.Pfx("node", "");
        using var plain = WeightStore.Start(Settings());
        using var secure = WeightStore.Start(Settings($$"""fedactors.cluster.tls { enabled = on, certificate = "{{pfx}}" }"""));

        Assert.Throws<WeightTransferException>(() => secure.Fetch(plain.Offer("test", Sample())));
    }

    internal static byte[] Encode(ModelWeights weights)
    {
        using var buffer = new MemoryStream();
        WeightCodec.Write(buffer, weights);
        return buffer.ToArray();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>A data-plane server that answers any request with the bytes it was given.</summary>
    private sealed class ScriptedServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public ScriptedServer(byte[] payload, long? announce = null)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = Task.Run(async () =>
            {
                using var socket = await _listener.AcceptSocketAsync();
                await using var stream = new NetworkStream(socket);
                var request = new byte[WeightStore.RequestBytes];
                await stream.ReadExactlyAsync(request);
                var reply = new byte[9];
                BinaryPrimitives.WriteInt64LittleEndian(reply.AsSpan(1), announce ?? payload.Length);
                await stream.WriteAsync(reply);
                await stream.WriteAsync(payload);
                socket.Shutdown(SocketShutdown.Both);
            });
        }

        public int Port { get; }

        public void Dispose() => _listener.Stop();
    }
}
