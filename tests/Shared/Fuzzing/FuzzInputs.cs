using System.Buffers.Binary;

namespace FedActors.Tests.Fuzzing;

/// <summary>One input for a reader under fuzzing: its bytes, and what is needed to make it again.</summary>
/// <param name="Seed">The run's seed.</param>
/// <param name="Index">Its number in the run; with the seed and the valid encodings it rebuilds the input alone.</param>
/// <param name="Kind">How it was made from a valid encoding ("valid", "truncate at 17", ...).</param>
/// <param name="Bytes">What the reader is fed.</param>
/// <param name="Original">The valid encoding it was derived from.</param>
internal sealed record FuzzInput(int Seed, int Index, string Kind, byte[] Bytes, byte[] Original)
{
    public override string ToString() => $"seed {Seed}, input #{Index} ({Kind}; {Bytes.Length} bytes)";
}

/// <summary>
/// Seeded inputs for a reader of outside bytes. The first ones are the valid encodings themselves (made by the real
/// writer), then every truncation of the shortest, then mutations of the valid ones: bit flips, boundary bytes
/// (0x00, 0x7F, 0x80, 0xFF, ...), integers written over any 2, 4 or 8 bytes in either byte order (which is how a
/// length or count field comes to claim 2 GB or -1 without the mutator knowing the format), truncations, insertions,
/// deletions, duplicated chunks, splices of two encodings, and random bytes of random length; a third of them stack
/// several mutations. Input <c>i</c> depends only on the seed, <c>i</c> and the valid encodings.
/// <para>
/// Tests fix their seed and number of mutations; for a longer search, without editing them, set
/// <c>FEDACTORS_FUZZ_SEED</c> (another seed) and <c>FEDACTORS_FUZZ_SCALE</c> (a multiplier of the mutations).
/// </para>
/// </summary>
internal sealed class FuzzInputs : IReadOnlyList<FuzzInput>
{
    private static readonly byte[] BoundaryBytes = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF];

    private static readonly long[] BoundaryIntegers =
    [
        0, 1, 2, 3, 4, 7, 8, 13, 16, 31, 32, 33, 127, 128, 255, 256, 4096, 4097, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
        0x00FF_FFFF, 0x0100_0000, 0x3FFF_FFFF, 0x4000_0000, 0x7FFF_FFF8, int.MaxValue, 0x8000_0000, 0xFFFF_FFFF,
        -1, -2, -8, -4096, int.MinValue, int.MinValue + 1, 0x1_0000_0000, long.MaxValue, long.MinValue,
    ];

    private readonly IReadOnlyList<byte[]> _valid;
    private readonly byte[] _shortest;
    private readonly IReadOnlyList<byte[]> _tokens;

    /// <param name="seed">Fixes every input.</param>
    /// <param name="valid">Encodings made by the real writer.</param>
    /// <param name="mutations">How many mutated inputs to make.</param>
    /// <param name="tokens">
    /// Pieces of the format's syntax (for a text format: brackets, quotes, substitutions, keywords) that some mutations
    /// insert or write over a range, so that they reach states that random bytes seldom do.
    /// </param>
    public FuzzInputs(int seed, IReadOnlyList<byte[]> valid, int mutations, IReadOnlyList<byte[]>? tokens = null)
    {
        ArgumentNullException.ThrowIfNull(valid);
        if (valid.Count == 0) throw new ArgumentException("at least one valid encoding is needed", nameof(valid));
        Seed = int.TryParse(Environment.GetEnvironmentVariable("FEDACTORS_FUZZ_SEED"), out var s) ? s : seed;
        _valid = valid;
        _shortest = valid.MinBy(v => v.Length)!;
        _tokens = tokens ?? [];
        Mutations = int.TryParse(Environment.GetEnvironmentVariable("FEDACTORS_FUZZ_SCALE"), out var k) && k > 0 ? k * mutations : mutations;
    }

    public int Seed { get; }

    /// <summary>How many mutated inputs follow the valid encodings and the truncations of the shortest.</summary>
    public int Mutations { get; }

    public int Count => _valid.Count + _shortest.Length + Mutations;

    public IEnumerator<FuzzInput> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public FuzzInput this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            if (index < _valid.Count) return new FuzzInput(Seed, index, "valid", _valid[index].ToArray(), _valid[index]);
            var cut = index - _valid.Count;
            if (cut < _shortest.Length) return new FuzzInput(Seed, index, $"truncate at {cut}", _shortest[..cut], _shortest);
            return Mutate(index);
        }
    }

    private FuzzInput Mutate(int index)
    {
        // System.Random with a seed is the same sequence on every platform and runtime version.
        var rng = new Random(unchecked(Seed * 1_000_003 + index));
        var original = _valid[rng.Next(_valid.Count)];
        var bytes = original.ToArray();
        var steps = rng.Next(3) == 0 ? rng.Next(2, 5) : 1;
        var kinds = new List<string>(steps);
        for (var s = 0; s < steps; s++) kinds.Add(MutateOnce(rng, ref bytes));
        return new FuzzInput(Seed, index, string.Join(", then ", kinds), bytes, original);
    }

    private string MutateOnce(Random rng, ref byte[] bytes)
    {
        var n = bytes.Length;
        switch (rng.Next(_tokens.Count > 0 ? 14 : 11))
        {
            case 11 or 12 or 13:
            {
                var which = rng.Next(_tokens.Count);
                var token = _tokens[which];
                var at = rng.Next(n + 1);
                var over = rng.Next(2) == 0 ? 0 : rng.Next(Math.Min(8, n - at) + 1);
                var times = rng.Next(8) == 0 ? rng.Next(2, 200) : 1;
                var inserted = Enumerable.Repeat(token, times).SelectMany(t => t).ToArray();
                bytes = [.. bytes.AsSpan(0, at), .. inserted, .. bytes.AsSpan(at + over)];
                return $"token #{which} x{times} at {at} over {over} bytes";
            }
            case 0 when n > 0:
            {
                var flips = rng.Next(1, 4);
                for (var i = 0; i < flips; i++) bytes[rng.Next(n)] ^= (byte)(1 << rng.Next(8));
                return $"flip {flips} bits";
            }
            case 1 when n > 0:
            {
                var at = rng.Next(n);
                bytes[at] = BoundaryBytes[rng.Next(BoundaryBytes.Length)];
                return $"byte {at} = 0x{bytes[at]:X2}";
            }
            case 2 when n > 0:
            {
                var at = rng.Next(n);
                bytes[at] = (byte)rng.Next(256);
                return $"byte {at} = 0x{bytes[at]:X2}";
            }
            case 3 or 4 when n >= 2:
                return WriteInteger(rng, bytes);
            case 5:
            {
                var cut = CutPoint(rng, n);
                bytes = bytes[..cut];
                return $"truncate at {cut}";
            }
            case 6:
            {
                var at = rng.Next(n + 1);
                var extra = new byte[rng.Next(1, 17)];
                if (rng.Next(2) == 0) rng.NextBytes(extra);
                else Array.Fill(extra, BoundaryBytes[rng.Next(BoundaryBytes.Length)]);
                bytes = [.. bytes.AsSpan(0, at), .. extra, .. bytes.AsSpan(at)];
                return $"insert {extra.Length} bytes at {at}";
            }
            case 7 when n > 0:
            {
                var at = rng.Next(n);
                var length = rng.Next(1, Math.Min(64, n - at) + 1);
                bytes = [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + length)];
                return $"delete {length} bytes at {at}";
            }
            case 8 when n > 0:
            {
                var from = rng.Next(n);
                var length = rng.Next(1, Math.Min(256, n - from) + 1);
                var to = rng.Next(2) == 0 ? from + length : rng.Next(n + 1);
                var chunk = bytes.AsSpan(from, length).ToArray();
                bytes = [.. bytes.AsSpan(0, to), .. chunk, .. bytes.AsSpan(to)];
                return $"copy {length} bytes from {from} to {to}";
            }
            case 9:
            {
                var other = _valid[rng.Next(_valid.Count)];
                var head = rng.Next(n + 1);
                var tail = rng.Next(other.Length + 1);
                bytes = [.. bytes.AsSpan(0, head), .. other.AsSpan(tail)];
                return $"splice {head} bytes with another's tail from {tail}";
            }
            default:
            {
                // Random bytes, half of them behind a valid beginning so that they get past a magic number.
                var keep = rng.Next(2) == 0 ? Math.Min(n, rng.Next(1, 17)) : 0;
                var random = new byte[rng.Next(2 * _valid.Max(v => v.Length) + 1)];
                rng.NextBytes(random);
                bytes = [.. bytes.AsSpan(0, keep), .. random];
                return $"{random.Length} random bytes after {keep} kept";
            }
        }
    }

    private static string WriteInteger(Random rng, byte[] bytes)
    {
        var width = bytes.Length >= 8 && rng.Next(4) == 0 ? 8 : bytes.Length >= 4 && rng.Next(3) > 0 ? 4 : 2;
        var last = bytes.Length - width;
        // Fields of most formats sit on their width's boundary.
        var at = rng.Next(2) == 0 ? rng.Next(last / width + 1) * width : rng.Next(last + 1);
        var bigEndian = rng.Next(4) == 0;
        var value = rng.Next(3) == 0
            ? ReadInteger(bytes.AsSpan(at, width), bigEndian) + rng.Next(-8, 9)
            : BoundaryIntegers[rng.Next(BoundaryIntegers.Length)];
        var span = bytes.AsSpan(at, width);
        switch (width)
        {
            case 8 when bigEndian: BinaryPrimitives.WriteInt64BigEndian(span, value); break;
            case 8: BinaryPrimitives.WriteInt64LittleEndian(span, value); break;
            case 4 when bigEndian: BinaryPrimitives.WriteUInt32BigEndian(span, unchecked((uint)value)); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(span, unchecked((uint)value)); break;
            case 2 when bigEndian: BinaryPrimitives.WriteUInt16BigEndian(span, unchecked((ushort)value)); break;
            default: BinaryPrimitives.WriteUInt16LittleEndian(span, unchecked((ushort)value)); break;
        }
        var written = ReadInteger(span, bigEndian);
        return $"int{8 * width}{(bigEndian ? " big-endian" : "")} at {at} = {written}";
    }

    private static long ReadInteger(ReadOnlySpan<byte> span, bool bigEndian) => span.Length switch
    {
        8 => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(span) : BinaryPrimitives.ReadInt64LittleEndian(span),
        4 => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(span) : BinaryPrimitives.ReadInt32LittleEndian(span),
        _ => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(span) : BinaryPrimitives.ReadInt16LittleEndian(span),
    };

    /// <summary>Anywhere, near either end, or on a 4- or 8-byte boundary: where fields begin and end.</summary>
    private static int CutPoint(Random rng, int n) => rng.Next(4) switch
    {
        0 => Math.Min(n, rng.Next(17)),
        1 => Math.Max(0, n - rng.Next(1, 17)),
        2 => rng.Next(n / 4 + 1) * 4,
        _ => rng.Next(n + 1),
    };
}
