using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using FedActors.Core;

namespace FedActors.Cluster;

/// <summary>
/// A node's data plane: the weight snapshots it offers, served over one TCP listener. A snapshot is offered by
/// reference (never copied) in a named slot and streamed to whoever asks for its content hash; TCP's flow control is
/// the back-pressure. A slot keeps its last few snapshots (<see cref="Offer"/>) and a snapshot is offered while some
/// slot keeps it, so the store holds only what a round can still fetch: on a coordinator the current global and the
/// one before, on a client node each hosted client's latest result. Long runs keep a constant number of snapshots.
/// Wire: request "FAWQ" + the 16-byte checksum (<see cref="WeightCodec.Checksum"/>); reply status byte (0 ok, 1 unknown) + int64 size + the
/// <see cref="WeightCodec"/> encoding.
/// </summary>
public sealed class WeightStore : IDisposable
{
    internal const uint RequestMagic = 0x51574146; // "FAWQ" little-endian
    internal const byte Found = 0;
    internal const byte Unknown = 1;
    internal const int KeyBytes = 16;
    internal const int RequestBytes = 4 + KeyBytes;

    private readonly ClusterSettings _settings;
    private readonly TcpListener _listener;
    private readonly DataPlaneTls? _tls;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Offered> _offered = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LinkedList<string>> _slots = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<ModelWeights, WeightRef> _known = [];
    private readonly SemaphoreSlim _connections;
    private long _version;
    private int _active;
    private int _most;

    private WeightStore(ClusterSettings settings, TcpListener listener, DataPlaneTls? tls)
    {
        _settings = settings;
        _listener = listener;
        _tls = tls;
        _connections = new SemaphoreSlim(settings.MaxConnections, settings.MaxConnections);
        Host = settings.DataPlaneHost;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = Task.Factory.StartNew(AcceptLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The host this store advertises in its <see cref="WeightRef"/>s.</summary>
    public string Host { get; }

    /// <summary>The port it listens on (the ephemeral one when <c>data-plane.port = 0</c>).</summary>
    public int Port { get; }

    /// <summary>Snapshots offered now.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _offered.Count;
        }
    }

    /// <summary>Connections being served now (at most <c>data-plane.max-connections</c>).</summary>
    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>The most connections that were ever served at once.</summary>
    public int MostConnections => Volatile.Read(ref _most);

    /// <summary>The address and port the listener is bound to.</summary>
    internal IPEndPoint BoundTo => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>
    /// Binds the listener to the address of <c>data-plane.hostname</c> (or the node's hostname) and its port, and starts
    /// serving. A host name is resolved and the listener bound to its address, never to every interface.
    /// </summary>
    /// <exception cref="WeightTransferException">The host name does not resolve; the message names the key.</exception>
    public static WeightStore Start(ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var listener = new TcpListener(BindAddress(settings), settings.DataPort);
        listener.Start(backlog: 64);
        try
        {
            return new WeightStore(settings, listener, DataPlaneTls.From(settings));
        }
        catch
        {
            listener.Stop();
            throw;
        }
    }

    /// <summary>
    /// Offers <paramref name="weights"/> for fetching in <paramref name="slot"/> and says where to fetch it. The slot
    /// keeps its last <paramref name="keep"/> distinct snapshots; an older one it drops is no longer offered unless
    /// another slot keeps it too. Offering a snapshot again is cheap (its checksum is remembered per instance) and
    /// makes it the slot's newest.
    /// </summary>
    /// <exception cref="WeightTransferException">It is larger than <c>data-plane.max-transfer-bytes</c>.</exception>
    public WeightRef Offer(string slot, ModelWeights weights, int keep = 1)
    {
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        if (!_known.TryGetValue(weights, out var known))
        {
            var size = WeightCodec.EncodedSize(weights);
            if (size > _settings.MaxTransferBytes)
                throw new WeightTransferException(
                    $"a {size}-byte snapshot exceeds {ClusterSettings.Section}.data-plane.max-transfer-bytes = {_settings.MaxTransferBytes}");
            known = new WeightRef(WeightCodec.Checksum(weights), 0, Host, Port, size);
        }
        lock (_gate)
        {
            var reference = known with { Version = ++_version };
            _known.AddOrUpdate(weights, reference);
            if (!_slots.TryGetValue(slot, out var kept)) _slots[slot] = kept = new LinkedList<string>();
            if (kept.Remove(reference.Hash))
            {
                _offered[reference.Hash] = _offered[reference.Hash] with { Ref = reference };
            }
            else if (_offered.TryGetValue(reference.Hash, out var shared))
            {
                _offered[reference.Hash] = shared with { Ref = reference, Holders = shared.Holders + 1 };
            }
            else
            {
                _offered[reference.Hash] = new Offered(weights, reference, Holders: 1);
            }
            kept.AddLast(reference.Hash);
            while (kept.Count > keep)
            {
                Drop(kept.First!.Value);
                kept.RemoveFirst();
            }
            return reference;
        }
    }

    /// <summary>Stops offering what <paramref name="slot"/> keeps (what another slot keeps stays offered).</summary>
    public void Withdraw(string slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        lock (_gate)
        {
            if (!_slots.Remove(slot, out var kept)) return;
            foreach (var hash in kept) Drop(hash);
        }
    }

    private void Drop(string hash)
    {
        var entry = _offered[hash];
        if (entry.Holders > 1) _offered[hash] = entry with { Holders = entry.Holders - 1 };
        else _offered.Remove(hash);
    }

    /// <summary>Fetches the snapshot <paramref name="reference"/> points at, checking its size and hash.</summary>
    public ModelWeights Fetch(WeightRef reference, CancellationToken ct = default) => Fetch(reference, long.MaxValue, ct);

    /// <summary>
    /// As above, refusing before connecting a snapshot announced larger than <paramref name="maxBytes"/>: what the
    /// fetching side expects of it (a client's update is never larger than the global it was sent).
    /// </summary>
    /// <exception cref="WeightTransferException">It is larger than expected, or the transfer failed.</exception>
    public ModelWeights Fetch(WeightRef reference, long maxBytes, CancellationToken ct = default) =>
        WeightFetcher.Fetch(reference, Math.Min(maxBytes, _settings.MaxTransferBytes), _settings, _tls, ct);

    /// <summary>As <see cref="Fetch"/>, on a thread of its own.</summary>
    public Task<ModelWeights> FetchAsync(WeightRef reference, CancellationToken ct = default) => FetchAsync(reference, long.MaxValue, ct);

    /// <summary>As <see cref="Fetch(WeightRef, long, CancellationToken)"/>, on a thread of its own.</summary>
    public Task<ModelWeights> FetchAsync(WeightRef reference, long maxBytes, CancellationToken ct = default) =>
        Task.Factory.StartNew(() => Fetch(reference, maxBytes, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _tls?.Dispose();
        _stop.Dispose();
        _connections.Dispose();
    }

    /// <summary>The address to listen on: the configured host as an IP literal, or its first address (IPv4 first).</summary>
    internal static IPAddress BindAddress(ClusterSettings settings)
    {
        var host = settings.DataPlaneHost;
        if (IPAddress.TryParse(host, out var literal)) return literal;
        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host);
        }
        catch (SocketException e)
        {
            throw new WeightTransferException($"{ClusterSettings.Section}.data-plane.hostname (or hostname) '{host}' does not resolve: {e.Message}", e);
        }
        return addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault()
            ?? throw new WeightTransferException($"{ClusterSettings.Section}.data-plane.hostname (or hostname) '{host}' resolves to no address");
    }

    // At most max-connections sockets are served at once, each on a pool thread while it is served; the rest wait in
    // the listen backlog (TCP keeps them), so a flood of connections costs neither threads nor memory.
    private void AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                _connections.Wait(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return; // stopped
            }
            Socket socket;
            try
            {
                socket = _listener.AcceptSocket();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            var active = Interlocked.Increment(ref _active);
            for (var most = _most; active > most; most = _most) Interlocked.CompareExchange(ref _most, active, most);
            _ = Task.Run(() =>
            {
                try
                {
                    Serve(socket);
                }
                finally
                {
                    Interlocked.Decrement(ref _active);
                    ReleaseConnection();
                }
            });
        }
    }

    private void ReleaseConnection()
    {
        try
        {
            _connections.Release();
        }
        catch (ObjectDisposedException)
        {
            // stopped meanwhile
        }
    }

    private void Serve(Socket socket)
    {
        try
        {
            using var connection = socket;
            Tune(socket, _settings);
            // A peer that connects and says nothing gives its slot back after connect-timeout, not idle-timeout.
            socket.ReceiveTimeout = Milliseconds(_settings.ConnectTimeout);
            using var stream = Secure(new NetworkStream(socket, ownsSocket: false));
            Span<byte> request = stackalloc byte[RequestBytes];
            stream.ReadExactly(request);
            socket.ReceiveTimeout = Milliseconds(_settings.IdleTimeout);
            if (BinaryPrimitives.ReadUInt32LittleEndian(request) != RequestMagic) return;
            var hash = Convert.ToHexStringLower(request[4..]);
            Offered? entry;
            bool found;
            lock (_gate) found = _offered.TryGetValue(hash, out entry);
            Span<byte> reply = stackalloc byte[9];
            reply[0] = found ? Found : Unknown;
            BinaryPrimitives.WriteInt64LittleEndian(reply[1..], found ? entry!.Ref.ByteSize : 0);
            stream.Write(reply);
            if (found) WeightCodec.Write(stream, entry!.Weights);
            else stream.Flush();
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or System.Security.Authentication.AuthenticationException
            or OperationCanceledException)
        {
            // The fetching side reports the failure; a server has nobody to tell.
        }
    }

    private Stream Secure(NetworkStream network) => _tls is null ? network : _tls.AsServer(network);

    internal static void Tune(Socket socket, ClusterSettings settings)
    {
        socket.NoDelay = true;
        socket.SendBufferSize = 4 << 20;
        socket.ReceiveBufferSize = 4 << 20;
        var idle = Milliseconds(settings.IdleTimeout);
        socket.SendTimeout = idle;
        socket.ReceiveTimeout = idle;
    }

    private static int Milliseconds(TimeSpan time) => (int)Math.Clamp(time.TotalMilliseconds, 1, int.MaxValue);

    /// <summary>A snapshot on offer: by reference, with where to fetch it and how many slots keep it.</summary>
    private sealed record Offered(ModelWeights Weights, WeightRef Ref, int Holders);
}
