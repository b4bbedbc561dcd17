using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using FedActors.Core;

namespace FedActors.Cluster;

/// <summary>
/// The data plane's stream encoding of <see cref="ModelWeights"/>, modelled on <see cref="WeightsFile"/>:
/// "FAWS", version, tensor count, then per tensor its name, shape and little-endian float32 values. No trailer:
/// the reader recomputes <see cref="ModelWeights.ContentHash"/> (SHA-256 over names, shapes, values) while it
/// decodes, straight into the tensors' arrays, and compares it with the hash it was promised.
/// </summary>
public static class WeightCodec
{
    private const uint Magic = 0x53574146; // "FAWS" little-endian
    private const int Version = 1;
    private const int HeaderSize = 12;
    private const int MaxNameBytes = 4096;
    private const int MaxRank = 32;
    private const int Slice = 1 << 20;

    /// <summary>Exact length of the encoding of <paramref name="weights"/>.</summary>
    public static long EncodedSize(ModelWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        long size = HeaderSize;
        foreach (var t in weights)
            size += 4 + Encoding.UTF8.GetByteCount(t.Name) + 4 + 4L * t.Shape.Length + 4L * t.Data.Length;
        return size;
    }

    /// <summary>Writes <paramref name="weights"/> to <paramref name="stream"/>; values go out straight from the tensors.</summary>
    public static void Write(Stream stream, ModelWeights weights)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(weights);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the weight encoding is little-endian");
        var scratch = new byte[64 * 1024];
        var used = 0;
        void Flush()
        {
            stream.Write(scratch, 0, used);
            used = 0;
        }
        void Int(int v)
        {
            if (used + 4 > scratch.Length) Flush();
            BinaryPrimitives.WriteInt32LittleEndian(scratch.AsSpan(used), v);
            used += 4;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(scratch, Magic);
        used = 4;
        Int(Version);
        Int(weights.Count);
        foreach (var t in weights)
        {
            var name = Encoding.UTF8.GetBytes(t.Name);
            Int(name.Length);
            if (used + name.Length > scratch.Length) Flush();
            name.CopyTo(scratch.AsSpan(used));
            used += name.Length;
            Int(t.Shape.Length);
            foreach (var d in t.Shape) Int(d);
            var values = MemoryMarshal.AsBytes(t.Data.AsSpan());
            if (values.Length <= scratch.Length - used)
            {
                values.CopyTo(scratch.AsSpan(used));
                used += values.Length;
                continue;
            }
            Flush();
            for (var at = 0; at < values.Length; at += Slice)
                stream.Write(values.Slice(at, Math.Min(Slice, values.Length - at)));
        }
        Flush();
        stream.Flush();
    }

    /// <summary>
    /// Reads exactly <paramref name="size"/> bytes of one encoding from <paramref name="stream"/> and checks that the
    /// result hashes to <paramref name="expectedHash"/>.
    /// </summary>
    /// <exception cref="WeightTransferException">The stream ends early, is malformed, or hashes to something else.</exception>
    public static ModelWeights Read(Stream stream, long size, string expectedHash)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(expectedHash);
        var left = size;
        var four = new byte[4];
        using var sha = new PipelinedHash();

        void Take(Span<byte> into)
        {
            if (into.Length > left)
                throw new WeightTransferException($"malformed weights: a field runs past the announced {size} bytes");
            try
            {
                stream.ReadExactly(into);
            }
            catch (EndOfStreamException e)
            {
                throw new WeightTransferException($"weights stream ended before its announced {size} bytes", e);
            }
            left -= into.Length;
        }
        int Int()
        {
            Take(four);
            return BinaryPrimitives.ReadInt32LittleEndian(four);
        }

        if (size < HeaderSize) throw new WeightTransferException($"{size} bytes is too short to be a weights snapshot");
        Take(four);
        if (BinaryPrimitives.ReadUInt32LittleEndian(four) != Magic) throw new WeightTransferException("not a FedActors weights stream");
        var version = Int();
        if (version != Version) throw new WeightTransferException($"weights stream version {version}, expected {Version}");
        var count = Int();
        if (count < 0 || count > left / 8) throw new WeightTransferException($"malformed weights: {count} tensors in {size} bytes");
        var tensors = new List<NamedTensor>(count);
        for (var i = 0; i < count; i++)
        {
            var nameLength = Int();
            if (nameLength is < 1 or > MaxNameBytes) throw new WeightTransferException($"malformed weights: tensor name of {nameLength} bytes");
            var nameBytes = new byte[nameLength];
            Take(nameBytes);
            sha.Append(nameBytes);
            var rank = Int();
            if (rank is < 0 or > MaxRank) throw new WeightTransferException($"malformed weights: rank {rank}");
            var shape = new int[rank];
            long n = 1;
            for (var d = 0; d < rank; d++)
            {
                Take(four);
                sha.Append(four.ToArray());
                shape[d] = BinaryPrimitives.ReadInt32LittleEndian(four);
                if (shape[d] < 0) throw new WeightTransferException($"malformed weights: negative dimension {shape[d]}");
                n *= shape[d];
                if (n * 4 > left) throw new WeightTransferException($"malformed weights: a tensor of {n} values runs past {size} bytes");
            }
            if (n * 4 > left) throw new WeightTransferException($"malformed weights: a tensor of {n} values runs past {size} bytes");
            if (n > Array.MaxLength) throw new WeightTransferException($"malformed weights: a tensor of {n} values");
            // Every value is overwritten below, so the GC need not zero the array first.
            var data = GC.AllocateUninitializedArray<float>((int)n);
            FreshMemory.PreferHugePages(data);
            var bytes = MemoryMarshal.AsBytes(data.AsSpan());
            for (var at = 0; at < bytes.Length; at += Slice)
            {
                var slice = bytes.Slice(at, Math.Min(Slice, bytes.Length - at));
                Take(slice);
                sha.Append(data, at, slice.Length);
            }
            try
            {
                tensors.Add(new NamedTensor(Encoding.UTF8.GetString(nameBytes), shape, data));
            }
            catch (ArgumentException e)
            {
                throw new WeightTransferException($"malformed weights: {e.Message}", e);
            }
        }
        if (left != 0) throw new WeightTransferException($"malformed weights: {left} unexpected trailing bytes");
        var actual = Convert.ToHexString(sha.Finish()).ToLowerInvariant();
        if (!string.Equals(actual, expectedHash, StringComparison.Ordinal))
            throw new WeightTransferException($"integrity check failed: received weights hash to {actual}, expected {expectedHash}");
        try
        {
            return new ModelWeights(tensors);
        }
        catch (ArgumentException e)
        {
            throw new WeightTransferException($"malformed weights: {e.Message}", e);
        }
    }

    /// <summary>
    /// SHA-256 on a thread of its own, fed in order while the reader receives the next bytes: the check costs
    /// max(receive, hash) instead of their sum. Pieces are views of arrays that are never written again.
    /// </summary>
    private sealed class PipelinedHash : IDisposable
    {
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // A short queue keeps the hasher a few slices behind the socket, on bytes still in the CPU's caches; a full
        // queue stalls the reader, and so the sender (TCP flow control).
        private readonly System.Collections.Concurrent.BlockingCollection<(byte[]? Bytes, float[]? Floats, int Offset, int Length)> _pieces =
            new(boundedCapacity: 8);
        private readonly Task _worker;

        public PipelinedHash() =>
            _worker = Task.Factory.StartNew(Consume, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        public void Append(byte[] bytes) => _pieces.Add((bytes, null, 0, bytes.Length));

        public void Append(float[] values, int byteOffset, int byteLength) => _pieces.Add((null, values, byteOffset, byteLength));

        public byte[] Finish()
        {
            _pieces.CompleteAdding();
            _worker.GetAwaiter().GetResult();
            return _sha.GetHashAndReset();
        }

        public void Dispose()
        {
            if (!_pieces.IsAddingCompleted) _pieces.CompleteAdding();
            _worker.Wait(TimeSpan.FromSeconds(30));
            _pieces.Dispose();
            _sha.Dispose();
        }

        private void Consume()
        {
            foreach (var (bytes, floats, offset, length) in _pieces.GetConsumingEnumerable())
            {
                if (bytes is not null) _sha.AppendData(bytes);
                else _sha.AppendData(MemoryMarshal.AsBytes(floats.AsSpan()).Slice(offset, length));
            }
        }
    }
}
