using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace FedActors.Data.Loaders;

/// <summary>MATLAB array classes (the class byte of a miMATRIX element's array flags).</summary>
public enum MatClass
{
    Cell = 1,
    Struct = 2,
    Object = 3,
    Char = 4,
    Sparse = 5,
    Double = 6,
    Single = 7,
    Int8 = 8,
    UInt8 = 9,
    Int16 = 10,
    UInt16 = 11,
    Int32 = 12,
    UInt32 = 13,
    Int64 = 14,
    UInt64 = 15,
}

/// <summary>
/// One top-level variable. Numeric arrays carry their real part as doubles in MATLAB's column-major order
/// (64-bit integers above 2^53 lose precision); other classes carry only their name, class and dimensions.
/// </summary>
public sealed record MatArray(string Name, MatClass Class, IReadOnlyList<int> Dimensions, double[]? Real, bool IsComplex)
{
    public bool IsNumeric => Real is not null;

    public long ElementCount => Dimensions.Aggregate(1L, (n, d) => n * d);
}

/// <summary>
/// Reader for MATLAB level-5 MAT-files (the format of MATLAB 5 to 7, including v7's zlib-compressed
/// elements). Level 7.3 files are HDF5 and are rejected with a message saying so.
/// Every problem surfaces as a <see cref="DatasetException"/> naming the file.
/// </summary>
public sealed class MatFile
{
    private const int HeaderLength = 128;
    private const long MaxInflatedBytes = 1L << 30;

    private const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6;
    private const int MiSingle = 7, MiDouble = 9, MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15;

    private readonly Dictionary<string, MatArray> _variables;

    private MatFile(string path, string description, Dictionary<string, MatArray> variables)
    {
        Path = path;
        Description = description;
        _variables = variables;
    }

    public string Path { get; }

    /// <summary>The header's descriptive text (platform, creation date).</summary>
    public string Description { get; }

    public IReadOnlyDictionary<string, MatArray> Variables => _variables;

    /// <summary>The variable called <paramref name="name"/>; throws naming the file and the variables it has when absent.</summary>
    public MatArray this[string name] =>
        _variables.TryGetValue(name, out var array)
            ? array
            : throw new DatasetException(Path, $"MAT-file has no variable '{name}' (it has: {string.Join(", ", _variables.Keys.Order(StringComparer.Ordinal))})");

    public static MatFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DatasetException(path, "MAT-file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException(path, $"cannot read the MAT-file: {e.Message}", e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses MAT-file bytes; <paramref name="path"/> is only used in messages.</summary>
    public static MatFile Parse(ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.Length < HeaderLength)
            throw Malformed(path, $"{bytes.Length} bytes is shorter than the {HeaderLength}-byte MAT-file header");
        var text = Encoding.ASCII.GetString(bytes[..116]).TrimEnd(' ', '\0');
        if (text.StartsWith("MATLAB 7.3", StringComparison.Ordinal))
            throw Malformed(path, "MATLAB 7.3 MAT-files are HDF5 files, which this reader does not read; save with -v7 or -v6");
        if (!text.StartsWith("MATLAB", StringComparison.Ordinal))
            throw Malformed(path, "not a MAT-file (the header does not start with 'MATLAB')");

        // The writer stores the characters 'M','I' as a 16-bit value; reading back "IM" means little-endian.
        bool bigEndian;
        if (bytes[126] == 'I' && bytes[127] == 'M') bigEndian = false;
        else if (bytes[126] == 'M' && bytes[127] == 'I') bigEndian = true;
        else throw Malformed(path, "bad endian indicator in the header (expected 'IM' or 'MI' at byte 126)");
        var version = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes[124..]) : BinaryPrimitives.ReadUInt16LittleEndian(bytes[124..]);
        if (version != 0x0100) throw Malformed(path, $"unsupported MAT-file version 0x{version:X4} (expected 0x0100)");

        var reader = new ElementReader(path, bigEndian);
        var variables = new Dictionary<string, MatArray>(StringComparer.Ordinal);
        reader.ReadTopLevel(bytes[HeaderLength..], HeaderLength, variables, insideCompressed: false);
        return new MatFile(path, text, variables);
    }

    private static DatasetException Malformed(string path, string reason) => new(path, $"malformed MAT-file: {reason}");

    /// <summary>Walks data elements: 8-byte tags (or 4-byte "small element" tags), 8-byte aligned.</summary>
    private sealed class ElementReader(string path, bool bigEndian)
    {
        // One for all of a file's compressed elements: MATLAB writes one per variable, and a file can hold thousands.
        private byte[]? _inflateBuffer;

        public void ReadTopLevel(ReadOnlySpan<byte> span, long baseOffset, Dictionary<string, MatArray> into, bool insideCompressed)
        {
            var pos = 0;
            while (pos < span.Length)
            {
                var at = baseOffset + pos;
                var type = ReadElement(span, ref pos, at, out var data);
                switch (type)
                {
                    case MiMatrix:
                        var array = ReadMatrix(data, at);
                        if (array is not null) into[array.Name] = array;
                        break;
                    case MiCompressed when !insideCompressed:
                        ReadTopLevel(Inflate(data, at), 0, into, insideCompressed: true);
                        break;
                    case MiCompressed:
                        throw Fail(at, "compressed element nested inside a compressed element");
                    default:
                        break; // other top-level elements (e.g. subsystem data) hold no variables we read
                }
            }
        }

        /// <summary>Reads the element at <paramref name="pos"/>, moves past it, returns its type.</summary>
        private int ReadElement(ReadOnlySpan<byte> span, ref int pos, long at, out ReadOnlySpan<byte> data)
        {
            if (span.Length - pos < 4) throw Fail(at, "data element tag cut short");
            var first = ReadUInt32(span[pos..]);
            if (first >> 16 != 0)
            {
                // Small element: byte count in the upper 16 bits, type in the lower, data in the next 4 bytes.
                var smallType = (int)(first & 0xFFFF);
                var smallSize = (int)(first >> 16);
                if (smallSize > 4) throw Fail(at, $"small data element claims {smallSize} bytes (at most 4)");
                if (span.Length - pos < 8) throw Fail(at, "small data element cut short");
                data = span.Slice(pos + 4, smallSize);
                pos += 8;
                return smallType;
            }
            if (span.Length - pos < 8) throw Fail(at, "data element tag cut short");
            var type = (int)first;
            var size = ReadUInt32(span[(pos + 4)..]);
            if (size > (uint)(span.Length - pos - 8))
                throw Fail(at, $"data element of type {type} claims {size} bytes but only {span.Length - pos - 8} remain (file truncated?)");
            data = span.Slice(pos + 8, (int)size);
            pos += 8 + (int)size;
            // Elements are padded to 8 bytes, except compressed ones, which MATLAB writes back to back.
            if (type != MiCompressed) pos = Math.Min(span.Length, (pos + 7) & ~7);
            return type;
        }

        private byte[] Inflate(ReadOnlySpan<byte> data, long at)
        {
            // A zlib header with FDICT set asks for a preset dictionary, which MATLAB never uses; .NET's inflater would
            // answer it with an internal exception type that says nothing of the file.
            if (data.Length >= 2 && (data[1] & 0x20) != 0)
                throw Fail(at, "compressed element asks for a preset zlib dictionary, which MAT-files do not use");
            try
            {
                using var input = new MemoryStream(data.ToArray(), writable: false);
                using var zlib = new ZLibStream(input, CompressionMode.Decompress);
                using var output = new MemoryStream();
                var buffer = _inflateBuffer ??= new byte[81920];
                int read;
                while ((read = zlib.Read(buffer, 0, buffer.Length)) > 0)
                {
                    output.Write(buffer, 0, read);
                    if (output.Length > MaxInflatedBytes) throw Fail(at, $"compressed element inflates past {MaxInflatedBytes} bytes");
                }
                return output.ToArray();
            }
            catch (InvalidDataException e)
            {
                throw new DatasetException(path, $"malformed MAT-file: compressed element at byte {at} is not a valid zlib stream ({e.Message})", e);
            }
        }

        private MatArray? ReadMatrix(ReadOnlySpan<byte> body, long at)
        {
            if (body.IsEmpty) return null; // an empty miMATRIX is how MATLAB writes an empty cell slot
            var pos = 0;
            var flagsType = ReadElement(body, ref pos, at, out var flags);
            if (flagsType != MiUInt32 || flags.Length != 8) throw Fail(at, "array flags are not 8 bytes of miUINT32");
            var flagWord = ReadUInt32(flags);
            var classByte = (int)(flagWord & 0xFF);
            if (classByte is < 1 or > 15) throw Fail(at, $"unknown array class {classByte}");
            var arrayClass = (MatClass)classByte;
            var isComplex = (flagWord & 0x0800) != 0;

            var dimsType = ReadElement(body, ref pos, at, out var dimsData);
            if (dimsType != MiInt32 || dimsData.Length < 8 || dimsData.Length % 4 != 0)
                throw Fail(at, "dimensions are not two or more miINT32 values");
            var dims = new int[dimsData.Length / 4];
            for (var i = 0; i < dims.Length; i++)
            {
                dims[i] = (int)ReadUInt32(dimsData[(4 * i)..]);
                if (dims[i] < 0) throw Fail(at, $"negative dimension {dims[i]}");
            }

            var nameType = ReadElement(body, ref pos, at, out var nameData);
            if (nameType != MiInt8 && nameType != MiUInt8) throw Fail(at, "array name is not miINT8 text");
            var name = Encoding.ASCII.GetString(nameData);

            if (arrayClass is < MatClass.Double) return new MatArray(name, arrayClass, dims, null, isComplex);

            var count = dims.Aggregate(1L, (n, d) => n * d);
            var realType = ReadElement(body, ref pos, at, out var realData);
            var real = ToDoubles(realType, realData, at, name);
            if (real.LongLength != count)
                throw Fail(at, $"variable '{name}' has dimensions {string.Join('x', dims)} ({count} values) but {real.Length} stored values");
            return new MatArray(name, arrayClass, dims, real, isComplex);
        }

        private double[] ToDoubles(int type, ReadOnlySpan<byte> data, long at, string name)
        {
            var width = type switch
            {
                MiInt8 or MiUInt8 => 1,
                MiInt16 or MiUInt16 => 2,
                MiInt32 or MiUInt32 or MiSingle => 4,
                MiDouble or MiInt64 or MiUInt64 => 8,
                _ => throw Fail(at, $"variable '{name}' stores its values as data type {type}, which is not numeric"),
            };
            if (data.Length % width != 0) throw Fail(at, $"variable '{name}' has {data.Length} data bytes, not a multiple of {width}");
            var values = new double[data.Length / width];
            for (var i = 0; i < values.Length; i++)
            {
                var v = data.Slice(i * width, width);
                values[i] = type switch
                {
                    MiInt8 => (sbyte)v[0],
                    MiUInt8 => v[0],
                    MiInt16 => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(v) : BinaryPrimitives.ReadInt16LittleEndian(v),
                    MiUInt16 => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(v) : BinaryPrimitives.ReadUInt16LittleEndian(v),
                    MiInt32 => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(v) : BinaryPrimitives.ReadInt32LittleEndian(v),
                    MiUInt32 => ReadUInt32(v),
                    MiSingle => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(v) : BinaryPrimitives.ReadSingleLittleEndian(v),
                    MiDouble => bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(v) : BinaryPrimitives.ReadDoubleLittleEndian(v),
                    MiInt64 => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(v) : BinaryPrimitives.ReadInt64LittleEndian(v),
                    _ => bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(v) : BinaryPrimitives.ReadUInt64LittleEndian(v),
                };
            }
            return values;
        }

        private uint ReadUInt32(ReadOnlySpan<byte> span) =>
            bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);

        private DatasetException Fail(long at, string reason) => Malformed(path, $"{reason} (element at byte {at})");
    }
}
