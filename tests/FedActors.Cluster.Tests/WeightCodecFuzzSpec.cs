using System.Buffers.Binary;
using System.IO.Hashing;
using FedActors.Core;
using FedActors.Tests.Fuzzing;
using Xunit.Abstractions;

namespace FedActors.Cluster.Tests;

/// <summary>
/// <see cref="WeightCodec.Read"/> on seeded random and mutated streams: it reads them or throws a
/// <see cref="WeightTransferException"/>, and never allocates more than the size it was told to expect (which the
/// fetcher has checked against the reference and <c>max-transfer-bytes</c>) plus a small multiple of what it received.
/// </summary>
public sealed class WeightCodecFuzzSpec(ITestOutputHelper output)
{
    private const int Seed = 20260113;

    /// <summary>
    /// Tensor arrays are allocated as their headers arrive, before their values do, so up to the announced size; the
    /// rest (names, shapes, tensors, the model's list and index: a few hundred bytes for the smallest tensor, 13 bytes)
    /// is paid for by bytes actually received.
    /// </summary>
    private static long AllocationBound(long announced, int received) => announced + 24L * received + 64 * 1024;

    [Fact]
    public void Read_must_read_or_refuse_every_mutated_stream_within_the_announced_size()
    {
        var inputs = new FuzzInputs(Seed, ValidStreams(), mutations: 10_000);

        var report = ParserFuzz.Run<WeightTransferException>(
            inputs,
            input =>
            {
                var (announced, checksum) = Framing(input);
                var stream = new MemoryStream(input.Bytes, writable: false);
                return () => WeightCodec.Read(stream, announced, checksum);
            },
            input => AllocationBound(Framing(input).Announced, input.Bytes.Length));

        output.WriteLine(report.ToString());
        ParserFuzz.AssertNoFailures(report);
        Assert.True(report.Read >= inputs.Count / 20, $"only {report.Read} inputs read: the mutations hardly reach the parser");
    }

    [Fact]
    public void Read_must_not_allocate_by_a_claimed_tensor_count()
    {
        // A 1 GiB model is expected; the stream claims 80 million tensors and ends. Nothing model-sized may be allocated
        // before a tensor's header has arrived (the tensor list was once sized by the count: 640 MB here).
        var header = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0x53574146);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), 80_000_000);

        var report = ParserFuzz.Run<WeightTransferException>(
            [new FuzzInput(Seed, 0, "a count of 80 million tensors, then nothing", header, header)],
            input => () => WeightCodec.Read(new MemoryStream(input.Bytes), 1L << 30, new string('0', 32)),
            input => AllocationBound(0, input.Bytes.Length));

        ParserFuzz.AssertNoFailures(report);
        Assert.Equal(1, report.Refused);
    }

    [Fact]
    public void Read_must_not_allocate_by_a_claimed_shape_beyond_the_announced_size()
    {
        // One tensor claiming 2 GB of values in a stream announced (and delivered) at 29 bytes.
        var stream = new MemoryStream();
        WeightCodec.Write(stream, new ModelWeights([new NamedTensor("w", [1], [1f])]));
        var bytes = stream.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(21), 1 << 29);

        var report = ParserFuzz.Run<WeightTransferException>(
            [new FuzzInput(Seed, 0, "a shape of 2^29 values in 29 bytes", bytes, bytes)],
            input => () => WeightCodec.Read(new MemoryStream(input.Bytes), input.Bytes.Length, Convert.ToHexStringLower(XxHash128.Hash(input.Bytes))),
            input => AllocationBound(input.Bytes.Length, input.Bytes.Length));

        ParserFuzz.AssertNoFailures(report);
        Assert.Equal(1, report.Refused);
    }

    /// <summary>
    /// The size and checksum the reader is promised. Mostly those of the bytes it gets, so that it parses to the end;
    /// otherwise those of the valid stream they were made from (the expected model), or a size a little off.
    /// </summary>
    private static (long Announced, string Checksum) Framing(FuzzInput input)
    {
        var own = Convert.ToHexStringLower(XxHash128.Hash(input.Bytes));
        return (input.Index % 8) switch
        {
            0 => (input.Original.Length, Convert.ToHexStringLower(XxHash128.Hash(input.Original))),
            1 => (input.Bytes.Length + 1 + input.Index % 61, own),
            2 => (Math.Max(0, input.Bytes.Length - 1 - input.Index % 13), own),
            _ => (input.Bytes.Length, own),
        };
    }

    private static IReadOnlyList<byte[]> ValidStreams()
    {
        ModelWeights[] models =
        [
            ModelWeights.Empty,
            new([new NamedTensor("scalar", [], [42f])]),
            new([
                new NamedTensor("backbone.conv1.weight", [2, 1, 2, 2], [1, 2, 3, 4, 5, 6, 7, float.Epsilon]),
                new NamedTensor("heads.flowers.bias", [3], [-1.5f, 0, 1e30f]),
                new NamedTensor("bn.num_batches_tracked", [], [7f]),
            ]),
            new([
                new NamedTensor("empty", [0, 4], []),
                new NamedTensor("gewichte.ü", [5], [float.NaN, float.PositiveInfinity, -0f, 1, 2]),
            ]),
            new([new NamedTensor("fc.weight", [10, 30], [.. Enumerable.Range(0, 300).Select(i => i / 7f)])]),
        ];
        return models.Select(m =>
        {
            var buffer = new MemoryStream();
            WeightCodec.Write(buffer, m);
            return buffer.ToArray();
        }).ToList();
    }
}
