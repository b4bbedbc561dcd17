using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using FedActors.Core;

namespace FedActors.Cluster;

/// <summary>
/// The data plane's stream encoding of <see cref="ModelWeights"/>, modelled on <see cref="WeightsFile"/>:
/// "FAWS", version, tensor count, then per tensor its name, shape and little-endian float32 values. No trailer:
/// the reader computes the <see cref="Checksum"/> of the bytes as it decodes them, straight into the tensors'
/// arrays, and compares it with the checksum it was promised (in the <see cref="WeightRef"/>).
/// <para>
/// The checksum is XxHash128 over the whole encoding, not SHA-256: it catches corruption and truncation, and it
/// costs the receiver a small fraction of what SHA-256 did, which took a large share of the CPU of a transfer on
/// the benchmark machine (BENCHMARKS.md, "Weight data plane"). It does not stop a deliberate forger; the data
/// plane's TLS does (<c>fedactors.cluster.tls</c>), as it authenticates both ends and protects every byte.
/// </para>
/// </summary>
public static class WeightCodec
{
    private const uint Magic = 0x53574146; // "FAWS" little-endian
    private const int Version = 1;
    private const int HeaderSize = 12;
    private const int MaxNameBytes = 4096;
    private const int MaxRank = 32;
    private const int Slice = 1 << 20;

    /// <summary>
    /// XxHash128 of the encoding of <paramref name="weights"/> (32 lowercase hex digits): the key a snapshot is
    /// offered and fetched by, and the receiver's integrity check.
    /// </summary>
    public static string Checksum(ModelWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        using var sink = new ChecksumSink();
        Write(sink, weights);
        return sink.Hex();
    }

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
    /// result has the <see cref="Checksum"/> <paramref name="expectedChecksum"/>.
    /// </summary>
    /// <exception cref="WeightTransferException">The stream ends early, is malformed, or hashes to something else.</exception>
    public static ModelWeights Read(Stream stream, long size, string expectedChecksum)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(expectedChecksum);
        var left = size;
        var four = new byte[4];
        var checksum = new XxHash128();

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
            // Right after the read, while the bytes are still in the CPU's caches.
            checksum.Append(into);
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
        // Not sized by the count: only a tensor's header, once it has arrived, earns an allocation (its values, within
        // the announced size); a count is a claim, and could reserve up to the model's size for nothing.
        var tensors = new List<NamedTensor>();
        for (var i = 0; i < count; i++)
        {
            var nameLength = Int();
            if (nameLength is < 1 or > MaxNameBytes) throw new WeightTransferException($"malformed weights: tensor name of {nameLength} bytes");
            var nameBytes = new byte[nameLength];
            Take(nameBytes);
            var rank = Int();
            if (rank is < 0 or > MaxRank) throw new WeightTransferException($"malformed weights: rank {rank}");
            var shape = new int[rank];
            long n = 1;
            for (var d = 0; d < rank; d++)
            {
                Take(four);
                shape[d] = BinaryPrimitives.ReadInt32LittleEndian(four);
                if (shape[d] < 0) throw new WeightTransferException($"malformed weights: negative dimension {shape[d]}");
                n *= shape[d];
                if (n * 4 > left) throw new WeightTransferException($"malformed weights: a tensor of {n} values runs past {size} bytes");
            }
            if (n * 4 > left) throw new WeightTransferException($"malformed weights: a tensor of {n} values runs past {size} bytes");
            if (n > Array.MaxLength) throw new WeightTransferException($"malformed weights: a tensor of {n} values");
            // Every value is overwritten below, so the GC need not zero the array first.
            var data = FreshMemory.Floats((int)n);
            var bytes = MemoryMarshal.AsBytes(data.AsSpan());
            for (var at = 0; at < bytes.Length; at += Slice)
            {
                Take(bytes.Slice(at, Math.Min(Slice, bytes.Length - at)));
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
        var actual = Convert.ToHexStringLower(checksum.GetCurrentHash());
        if (!string.Equals(actual, expectedChecksum, StringComparison.Ordinal))
            throw new WeightTransferException($"integrity check failed: received weights have checksum {actual}, expected {expectedChecksum}");
        try
        {
            return new ModelWeights(tensors);
        }
        catch (ArgumentException e)
        {
            throw new WeightTransferException($"malformed weights: {e.Message}", e);
        }
    }

    /// <summary>A write-only stream that feeds everything written to it into an XxHash128.</summary>
    private sealed class ChecksumSink : Stream
    {
        private readonly XxHash128 _hash = new();

        public string Hex() => Convert.ToHexStringLower(_hash.GetCurrentHash());

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _hash.Append(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) => _hash.Append(buffer);
    }
}
