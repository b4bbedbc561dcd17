using System.Buffers.Binary;
using System.IO.Compression;
using FedActors.Data.Loaders;
using FedActors.Tests.Fuzzing;
using Xunit.Abstractions;
using static FedActors.Data.Tests.Loaders.MatWriter;

namespace FedActors.Data.Tests.Loaders;

/// <summary>
/// <see cref="MatFile.Parse"/> on seeded random and mutated MAT-files (level 5, plain and zlib-compressed, both byte
/// orders): it reads them or throws a <see cref="DatasetException"/> naming the file, allocating no more than a small
/// multiple of the file and of what its compressed elements really inflate to.
/// </summary>
public sealed class MatFileFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20260113;
    private const string FileName = "fuzz.mat";

    /// <summary>
    /// Values are widened to doubles (8x for bytes); compressed elements are copied, inflated into a growing buffer and
    /// copied out, and each costs a zlib stream (about 400 bytes); what a length field claims counts for nothing.
    /// </summary>
    private static long AllocationBound(byte[] file)
    {
        var (elements, inflated) = Compressed(file);
        return 16 * (file.Length + inflated) + 512 * elements + 256 * 1024;
    }

    [Fact]
    public void Parse_must_read_or_refuse_naming_the_file_every_mutated_file()
    {
        var inputs = new FuzzInputs(Seed, ValidFiles(), mutations: 10_000);

        var report = ParserFuzz.Run<DatasetException>(
            inputs,
            input => () => MatFile.Parse(input.Bytes, FileName),
            input => AllocationBound(input.Bytes),
            (e, _) => e.Path == FileName && e.Message.StartsWith(FileName, StringComparison.Ordinal) ? null : "does not name the file");

        output.WriteLine(report.ToString());
        ParserFuzz.AssertNoFailures(report);
        Assert.True(report.Read >= inputs.Count / 20, $"only {report.Read} inputs read: the mutations hardly reach the parser");
    }

    [Fact]
    public void Parse_must_not_allocate_a_buffer_per_compressed_element()
    {
        // The fuzzing above found 1 MB allocated for an 818-byte file of 12 compressed variables: an 80 KB inflation
        // buffer each. Here 1000 elements of 8 bytes, each an empty compressed element, once cost 80 MB.
        byte[] empty = [MiCompressed, 0, 0, 0, 0, 0, 0, 0];
        var file = Write([], compressed: false).Concat(Enumerable.Repeat(empty, 1000).SelectMany(e => e)).ToArray();

        var report = ParserFuzz.Run<DatasetException>(
            [new FuzzInput(Seed, 0, "1000 empty compressed elements", file, file)],
            input => () => MatFile.Parse(input.Bytes, FileName),
            input => AllocationBound(input.Bytes));

        ParserFuzz.AssertNoFailures(report);
        Assert.Equal(1, report.Read);
    }

    [Fact]
    public void Parse_must_refuse_naming_the_file_a_zlib_stream_that_asks_for_a_dictionary()
    {
        // Input #8327 of the run above: 71 bytes of the header's spaces copied over a compressed element made its zlib
        // header 78 20, which asks for a preset dictionary; the inflater threw its internal ZLibException.
        var file = Convert.FromBase64String(
            "TUFUTEFCIDUuMCBNQVQtZmlsZSwgUGxhdGZvcm06IHRlc3QsIENyZWF0ZWQgYnk6IEZlZEFjdG9ycyB0ZXN0cyAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAAAAAAAAAAAAABSU0PAAAAVQAAAHggICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAAAAAAAAAAAAAFJTQ8AAABVAAAAeJzjY2BgSGBgYGBjYGDggNIgwArlMzIwMGhAaZBcTmJSak4xAwMTTJyJmYWVjZ2Dk4ubh5ePX0BQSFhEVExcQlJKWkZWTl5BUUlZRVVNXQMA+kUGkQ8AAAA2AAAAeJzjY2BgcGBgYGBjYGDggNIgwArlMzIwMDBDaZBYSVFeZgoDAwMLVC07gw7jX3kGBgBSlQP1");

        var error = Assert.Throws<DatasetException>(() => MatFile.Parse(file, FileName));

        Assert.Equal(FileName, error.Path);
        Assert.Contains("dictionary", error.Message, StringComparison.Ordinal);
    }

    private static IReadOnlyList<byte[]> ValidFiles()
    {
        Variable[] flowers =
        [
            RowVector("labels", [.. Enumerable.Range(0, 40).Select(i => (double)(1 + i % 102))], MatClass.Double, MiUInt8),
            RowVector("trnid", [7, 300, 8189], MatClass.Double, MiUInt16),
        ];
        Variable[] mixed =
        [
            new("m", MatClass.Double, [2, 3], [1, 4, 2, 5, 3, 6], MiDouble),
            new("c", MatClass.Cell, [1, 0], [], MiDouble),
            RowVector("x", [42], MatClass.UInt8, MiUInt8),
            RowVector("neg", [-3, 4], MatClass.Int32, MiInt32),
            RowVector("s", [1.5f, -0f], MatClass.Single, MiSingle),
            RowVector("big", [1L << 40], MatClass.UInt64, MiUInt64),
            RowVector("i8", [-128, 127], MatClass.Int8, MiInt8),
            RowVector("i64", [-(1L << 40)], MatClass.Int64, MiInt64),
            RowVector("i16", [-2, 3, 4], MatClass.Int16, MiInt16),
            RowVector("u32", [4_000_000_000], MatClass.UInt32, MiUInt32),
            new("empty", MatClass.Double, [0, 0], [], MiDouble),
            new("cube", MatClass.Double, [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8], MiDouble),
        ];
        return
        [
            Write([], compressed: false),
            Write(flowers, compressed: false),
            Write(flowers, compressed: true),
            Write(flowers, compressed: true, bigEndian: true),
            Write(mixed, compressed: false, bigEndian: true),
            Write(mixed, compressed: true),
        ];
    }

    /// <summary>
    /// The file's top-level compressed elements and how many bytes they inflate to, as far as zlib gets with each:
    /// walked the way the format lays elements out (8-byte tags, 4-byte small elements, padding except after compressed
    /// ones).
    /// </summary>
    private static (int Elements, long Inflated) Compressed(byte[] file)
    {
        if (file.Length < 128) return (0, 0);
        var bigEndian = file[126] == 'M';
        uint U32(int at) => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at));
        var elements = 0;
        long total = 0;
        var pos = 128;
        while (file.Length - pos >= 8)
        {
            var type = U32(pos);
            var size = U32(pos + 4);
            if (type >> 16 != 0)
            {
                pos += 8;
                continue;
            }
            if (size > file.Length - pos - 8) break;
            if (type == MiCompressed)
            {
                elements++;
                total += Inflated(file.AsSpan(pos + 8, (int)size));
            }
            pos += 8 + (int)size;
            if (type != MiCompressed) pos = (pos + 7) & ~7;
        }
        return (elements, total);
    }

    private static long Inflated(ReadOnlySpan<byte> data)
    {
        using var zlib = new ZLibStream(new MemoryStream(data.ToArray()), CompressionMode.Decompress);
        var buffer = new byte[81920];
        long total = 0;
        try
        {
            int read;
            while ((read = zlib.Read(buffer)) > 0 && total < 1L << 31) total += read;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // as far as it got (zlib's refusals are the one, its unexpected return codes the other)
        }
        return total;
    }
}
