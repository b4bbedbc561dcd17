using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Authentication;

namespace FedActors.Cluster;

/// <summary>The fetching half of the data plane: one TCP connection per transfer, to the store that offers it.</summary>
internal static class WeightFetcher
{
    /// <param name="maxBytes">The most the fetching side accepts: the smaller of max-transfer-bytes and what it expects.</param>
    public static FedActors.Core.ModelWeights Fetch(WeightRef reference, long maxBytes, ClusterSettings settings, DataPlaneTls? tls, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.ByteSize > settings.MaxTransferBytes)
            throw new WeightTransferException(
                $"{reference} exceeds {ClusterSettings.Section}.data-plane.max-transfer-bytes = {settings.MaxTransferBytes}");
        if (reference.ByteSize > maxBytes || reference.ByteSize < 0)
            throw new WeightTransferException($"{reference} is larger than the {maxBytes} bytes expected of it; not fetched");
        if (reference.Hash.Length != 2 * WeightStore.KeyBytes || !reference.Hash.All(char.IsAsciiHexDigitLower))
            throw new WeightTransferException($"{reference}: not a data-plane checksum ({2 * WeightStore.KeyBytes} lowercase hex digits)");
        var hash = Convert.FromHexString(reference.Hash);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var abort = ct.Register(socket.Dispose);
        try
        {
            WeightStore.Tune(socket, settings);
            // A blocking connect keeps the socket in blocking mode: after any async call .NET emulates the
            // synchronous reads below on a non-blocking socket, at a fraction of the throughput.
            var timedOut = false;
            using (new Timer(_ =>
                   {
                       timedOut = true;
                       socket.Dispose();
                   }, null, settings.ConnectTimeout, Timeout.InfiniteTimeSpan))
            {
                try
                {
                    socket.Connect(reference.Host, reference.Port);
                }
                catch (Exception e) when (timedOut && !ct.IsCancellationRequested)
                {
                    throw new WeightTransferException($"fetching {reference}: no connection within {settings.ConnectTimeout}", e);
                }
            }
            using var network = new NetworkStream(socket, ownsSocket: false);
            using var stream = tls is null ? network : tls.AsClient(network, reference.Host);
            Span<byte> request = stackalloc byte[WeightStore.RequestBytes];
            BinaryPrimitives.WriteUInt32LittleEndian(request, WeightStore.RequestMagic);
            hash.CopyTo(request[4..]);
            stream.Write(request);
            stream.Flush();
            Span<byte> reply = stackalloc byte[9];
            stream.ReadExactly(reply);
            if (reply[0] == WeightStore.Unknown) throw new WeightTransferException($"{reference}: the offering node no longer holds it");
            var size = BinaryPrimitives.ReadInt64LittleEndian(reply[1..]);
            if (size != reference.ByteSize)
                throw new WeightTransferException($"{reference}: the offering node announces {size} bytes, the reference {reference.ByteSize}");
            return WeightCodec.Read(stream, size, reference.Hash);
        }
        catch (Exception e) when (ct.IsCancellationRequested && e is not OperationCanceledException)
        {
            throw new OperationCanceledException($"fetching {reference} was cancelled", e, ct);
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or ObjectDisposedException
            && e is not WeightTransferException)
        {
            throw new WeightTransferException($"fetching {reference} failed: {e.Message}", e);
        }
    }
}
