using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace FedActors.Core;

/// <summary>
/// A self-checking binary file of <see cref="ModelWeights"/> (checkpoints, transfers):
/// "FAWT", version, tensor count, then per tensor its name, shape and little-endian float32 values,
/// closed by a SHA-256 of everything before it. Written atomically: temp file, flush to disk, rename.
/// </summary>
public static class WeightsFile
{
    private const uint Magic = 0x54574146; // "FAWT" little-endian
    private const int Version = 1;
    private const int HashSize = 32;

    // The smallest tensor: name length, a one-byte name, rank 0, one value.
    private const int MinTensorBytes = 4 + 1 + 4 + 4;

    public static void Write(string path, ModelWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            void Put(ReadOnlySpan<byte> bytes)
            {
                stream.Write(bytes);
                hash.AppendData(bytes);
            }

            Span<byte> head = stackalloc byte[12];
            BinaryPrimitives.WriteUInt32LittleEndian(head, Magic);
            BinaryPrimitives.WriteInt32LittleEndian(head[4..], Version);
            BinaryPrimitives.WriteInt32LittleEndian(head[8..], weights.Count);
            Put(head);
            Span<byte> four = stackalloc byte[4];
            foreach (var t in weights)
            {
                var name = Encoding.UTF8.GetBytes(t.Name);
                BinaryPrimitives.WriteInt32LittleEndian(four, name.Length);
                Put(four);
                Put(name);
                BinaryPrimitives.WriteInt32LittleEndian(four, t.Shape.Length);
                Put(four);
                foreach (var d in t.Shape)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(four, d);
                    Put(four);
                }
                if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("weights files are little-endian");
                Put(MemoryMarshal.AsBytes(t.Data.AsSpan()));
            }
            stream.Write(hash.GetHashAndReset());
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    public static ModelWeights Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 12 + HashSize) throw new InvalidDataException($"{path}: too short to be a weights file");
        var bodyLength = bytes.Length - HashSize;
        var body = bytes.AsSpan(0, bodyLength);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - HashSize)))
            throw new InvalidDataException($"{path}: checksum mismatch (file truncated or corrupted)");
        if (BinaryPrimitives.ReadUInt32LittleEndian(body) != Magic) throw new InvalidDataException($"{path}: not a FedActors weights file");
        var version = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
        if (version != Version) throw new InvalidDataException($"{path}: weights file version {version}, expected {Version}");
        var count = BinaryPrimitives.ReadInt32LittleEndian(body[8..]);
        var pos = 12;
        // Every count and size below is checked against the bytes left before anything is allocated by it.
        if (count < 0 || count > (bodyLength - pos) / MinTensorBytes)
            throw new InvalidDataException($"{path}: malformed weights file: {count} tensors cannot fit in {bodyLength} bytes");
        int Int()
        {
            var v = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(pos, bodyLength - pos));
            pos += 4;
            return v;
        }

        var tensors = new List<NamedTensor>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var nameLength = Int();
                var name = Encoding.UTF8.GetString(body.Slice(pos, nameLength));
                pos += nameLength;
                var rank = Int();
                if (rank < 0 || rank > (bodyLength - pos) / 4)
                    throw new InvalidDataException($"{path}: malformed weights file: tensor '{name}' has rank {rank} at byte {pos - 4}");
                var shape = new int[rank];
                long n = 1;
                for (var d = 0; d < shape.Length; d++)
                {
                    shape[d] = Int();
                    if (shape[d] < 0) throw new InvalidDataException($"{path}: malformed weights file: tensor '{name}' has a negative dimension");
                    n *= shape[d];
                    // Checked at every dimension, so that the product cannot overflow.
                    if (n > (bodyLength - pos) / 4)
                        throw new InvalidDataException($"{path}: malformed weights file: tensor '{name}' has more values than the {bodyLength - pos} bytes left");
                }
                var data = FreshMemory.Floats((int)n);
                MemoryMarshal.Cast<byte, float>(body.Slice(pos, checked((int)(n * 4)))).CopyTo(data);
                pos += (int)(n * 4);
                tensors.Add(new NamedTensor(name, shape, data));
            }
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException($"{path}: malformed weights file: {ex.Message}", ex);
        }
        if (pos != body.Length) throw new InvalidDataException($"{path}: {body.Length - pos} unexpected trailing bytes");
        try
        {
            return new ModelWeights(tensors);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"{path}: malformed weights file: {ex.Message}", ex);
        }
    }
}
