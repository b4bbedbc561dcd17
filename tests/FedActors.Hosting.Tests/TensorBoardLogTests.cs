using System.Buffers.Binary;
using System.Text;
using FedActors.Core;

namespace FedActors.Hosting.Tests;

/// <summary>The TensorBoard event files: TFRecord-framed events holding a scalar per metrics row and per task mean.</summary>
[Collection("torch")]
public sealed class TensorBoardLogTests
{
    [Fact]
    public void TensorBoard_log_must_write_one_event_per_row_and_task_mean_with_its_tag()
    {
        using var dir = new TempDir();
        var log = new TensorBoardLog(dir.Path, simClrRounds: 3);
        log.Append([
            new MetricRecord(2, Phases.Heads, "fl+ssl", "c1", "flowers", MetricNames.Acc1, 0.25),
            new MetricRecord(2, Phases.Heads, "fl+ssl", "c2", "flowers", MetricNames.Acc1, 0.75),
            new MetricRecord(2, Phases.Heads, "fl+ssl", "*", "*", "rejected", 1),
        ]);

        var file = Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, TensorBoardLog.Folder)));
        var records = Records(File.ReadAllBytes(file));
        // The file-version event first, then 3 rows and one mean.
        Assert.Equal(5, records.Count);
        Assert.Single(records, r => HasTag(r, "fl+ssl/acc1/flowers/c1"));
        Assert.Single(records, r => HasTag(r, "fl+ssl/rejected")); // the "*" of a run-wide row is left out of the tag
        var mean = Assert.Single(records, r => HasTag(r, "fl+ssl/acc1/flowers"));
        Assert.Contains(BitConverter.GetBytes(0.5f), Windows(mean, 4)); // the mean of 0.25 and 0.75, as a float
        Assert.All(records.Skip(1), r => Assert.Contains(Step(5), Windows(r, 2))); // heads round 2 after 3 SimCLR rounds
    }

    /// <summary>TFRecord framing: uint64 length, uint32 crc, data, uint32 crc.</summary>
    private static List<byte[]> Records(byte[] bytes)
    {
        var records = new List<byte[]>();
        for (var at = 0; at < bytes.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));
            records.Add(bytes.AsSpan(at + 12, length).ToArray());
            at += 12 + length + 4;
        }
        return records;
    }

    /// <summary>A protobuf string field holding exactly <paramref name="tag"/>: its length byte, then its bytes.</summary>
    private static bool HasTag(byte[] record, string tag)
    {
        byte[] field = [(byte)tag.Length, .. Encoding.UTF8.GetBytes(tag)];
        return Windows(record, field.Length).Any(w => w.AsSpan().SequenceEqual(field));
    }

    /// <summary>The protobuf field "step" (2, varint) of an Event: tag byte 0x10 then the value.</summary>
    private static byte[] Step(int step) => [0x10, (byte)step];

    private static IEnumerable<byte[]> Windows(byte[] bytes, int size) =>
        Enumerable.Range(0, Math.Max(0, bytes.Length - size + 1)).Select(i => bytes[i..(i + size)]);
}
