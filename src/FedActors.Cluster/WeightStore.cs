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
    private long _version;

    private WeightStore(ClusterSettings settings, TcpListener listener, DataPlaneTls? tls)
    {
        _settings = settings;
        _listener = listener;
        _tls = tls;
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

    /// <summary>Binds the listener of <c>data-plane.hostname:port</c> and starts serving.</summary>
    public static WeightStore Start(ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var bind = IPAddress.TryParse(settings.DataPlaneHost, out var ip) ? ip : IPAddress.Any;
        var listener = new TcpListener(bind, settings.DataPort);
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
    public ModelWeights Fetch(WeightRef reference, CancellationToken ct = default) => WeightFetcher.Fetch(reference, _settings, _tls, ct);

    /// <summary>As <see cref="Fetch"/>, on a thread of its own.</summary>
    public Task<ModelWeights> FetchAsync(WeightRef reference, CancellationToken ct = default) =>
        Task.Factory.StartNew(() => Fetch(reference, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _tls?.Dispose();
        _stop.Dispose();
    }

    private void AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = _listener.AcceptSocket();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            _ = Task.Factory.StartNew(() => Serve(socket), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }

    private void Serve(Socket socket)
    {
        try
        {
            using var connection = socket;
            Tune(socket, _settings);
            using var stream = Secure(new NetworkStream(socket, ownsSocket: false));
            Span<byte> request = stackalloc byte[RequestBytes];
            stream.ReadExactly(request);
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
        var idle = (int)Math.Min(int.MaxValue, settings.IdleTimeout.TotalMilliseconds);
        socket.SendTimeout = idle;
        socket.ReceiveTimeout = idle;
    }

    /// <summary>A snapshot on offer: by reference, with where to fetch it and how many slots keep it.</summary>
    private sealed record Offered(ModelWeights Weights, WeightRef Ref, int Holders);
}
