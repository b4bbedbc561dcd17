using System.Buffers.Binary;

namespace FedActors.Data.Images;

/// <summary>
/// Cheap checks on the raw bytes before decoding. ImageSharp fills a JPEG that stops inside its scan data
/// with grey and reports success, so a truncated file would otherwise enter the training set unnoticed;
/// walking the marker (JPEG) or chunk (PNG) structure to its end marker catches that.
/// </summary>
internal static class ImageIntegrity
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static bool IsJpeg(ReadOnlySpan<byte> bytes) => bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;

    public static bool IsPng(ReadOnlySpan<byte> bytes) => bytes.StartsWith(PngSignature);

    /// <summary>Why the bytes are not a usable JPEG or PNG, or null when their structure is complete.</summary>
    public static string? FindProblem(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return "the file is empty";
        if (IsJpeg(bytes)) return FindJpegProblem(bytes);
        if (IsPng(bytes)) return FindPngProblem(bytes);
        var other = NameOtherFormat(bytes);
        return other is null
            ? "not a JPEG or PNG image (no known image signature)"
            : $"{other} images are not supported; only JPEG and PNG are decoded";
    }

    private static string? NameOtherFormat(ReadOnlySpan<byte> b)
    {
        if (b.StartsWith("GIF8"u8)) return "GIF";
        if (b.StartsWith("II*\0"u8) || b.StartsWith("MM\0*"u8)) return "TIFF";
        if (b.StartsWith("BM"u8)) return "BMP";
        if (b.Length >= 12 && b.StartsWith("RIFF"u8) && b.Slice(8, 4).SequenceEqual("WEBP"u8)) return "WebP";
        if (b.Length >= 12 && b.Slice(4, 4).SequenceEqual("ftyp"u8)) return "HEIF/AVIF";
        return null;
    }

    private static string? FindJpegProblem(ReadOnlySpan<byte> b)
    {
        var pos = 2;
        while (true)
        {
            // Markers may be preceded by fill bytes (0xFF); stray bytes between segments are tolerated, as libjpeg does.
            var next = b[pos..].IndexOf((byte)0xFF);
            if (next < 0) return Truncated;
            pos += next;
            while (pos < b.Length && b[pos] == 0xFF) pos++;
            if (pos >= b.Length) return Truncated;
            var marker = b[pos++];
            if (marker == 0xD9) return null;
            if (marker is 0x00 or 0x01 or 0xD8 or (>= 0xD0 and <= 0xD7)) continue;
            if (pos + 2 > b.Length) return Truncated;
            var length = BinaryPrimitives.ReadUInt16BigEndian(b[pos..]);
            if (length < 2) return $"corrupt JPEG: segment 0x{marker:X2} at byte {pos - 2} declares length {length}";
            if (pos + length > b.Length) return Truncated;
            pos += length;
            if (marker == 0xDA)
            {
                pos = SkipEntropyCodedData(b, pos);
                if (pos < 0) return Truncated;
            }
        }
    }

    private const string Truncated = "truncated JPEG: the file ends before its end-of-image marker";

    /// <summary>Position of the marker that ends a scan, or -1 when the data runs out first.</summary>
    private static int SkipEntropyCodedData(ReadOnlySpan<byte> b, int pos)
    {
        while (true)
        {
            var next = b[pos..].IndexOf((byte)0xFF);
            if (next < 0) return -1;
            pos += next;
            if (pos + 1 >= b.Length) return -1;
            var following = b[pos + 1];
            // 0xFF00 is a stuffed data byte, 0xFFD0..D7 are restart markers inside the scan, 0xFFFF is fill.
            if (following == 0x00 || following is >= 0xD0 and <= 0xD7) pos += 2;
            else if (following == 0xFF) pos += 1;
            else return pos;
        }
    }

    private static string? FindPngProblem(ReadOnlySpan<byte> b)
    {
        var pos = PngSignature.Length;
        var sawData = false;
        while (true)
        {
            if (pos + 8 > b.Length) return "truncated PNG: the file ends before its IEND chunk";
            var length = BinaryPrimitives.ReadUInt32BigEndian(b[pos..]);
            var type = b.Slice(pos + 4, 4);
            if ((long)pos + 12 + length > b.Length) return "truncated PNG: the file ends inside a chunk";
            if (type.SequenceEqual("IDAT"u8)) sawData = true;
            if (type.SequenceEqual("IEND"u8))
                return sawData ? null : "corrupt PNG: no IDAT chunk before IEND";
            pos += 12 + (int)length;
        }
    }
}
