using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using FedActors.Data.Loaders;

namespace FedActors.Data.Tests.Loaders;

/// <summary>
/// Test-side writer of level-5 MAT-files, written from the published format independently of the reader:
/// 128-byte header, then one miMATRIX element per variable (array flags, dimensions, name, real part),
/// optionally wrapped in a zlib miCOMPRESSED element as MATLAB's -v7 does.
/// </summary>
internal static class MatWriter
{
    public const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6;
    public const int MiSingle = 7, MiDouble = 9, MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15;

    /// <param name="StorageType">The mi* type the values are stored as (MATLAB narrows doubles, e.g. to miUINT8).</param>
    public sealed record Variable(string Name, MatClass Class, int[] Dimensions, double[] Values, int StorageType);

    public static Variable RowVector(string name, double[] values, MatClass arrayClass = MatClass.Double, int storage = MiDouble) =>
        new(name, arrayClass, [1, values.Length], values, storage);

    public static byte[] Write(IEnumerable<Variable> variables, bool compressed, bool bigEndian = false)
    {
        var file = new MemoryStream();
        var header = Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file, Platform: test, Created by: FedActors tests".PadRight(116));
        file.Write(header);
        file.Write(new byte[8]); // subsystem data offset: none
        var tail = new byte[4];
        Put16(tail, 0x0100, bigEndian);
        Put16(tail.AsSpan(2), ('M' << 8) | 'I', bigEndian);
        file.Write(tail);

        foreach (var variable in variables)
        {
            var matrix = Element(MiMatrix, MatrixBody(variable, bigEndian), bigEndian, small: false);
            if (!compressed)
            {
                file.Write(matrix);
                continue;
            }
            var deflated = new MemoryStream();
            using (var zlib = new ZLibStream(deflated, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(matrix);
            var tag = new byte[8];
            Put32(tag, MiCompressed, bigEndian);
            Put32(tag.AsSpan(4), (uint)deflated.Length, bigEndian);
            file.Write(tag);
            file.Write(deflated.ToArray()); // compressed elements are not padded
        }
        return file.ToArray();
    }

    private static byte[] MatrixBody(Variable v, bool bigEndian)
    {
        var body = new MemoryStream();
        var flags = new byte[8];
        Put32(flags, (uint)v.Class, bigEndian);
        body.Write(Element(MiUInt32, flags, bigEndian, small: false));
        var dims = new byte[4 * v.Dimensions.Length];
        for (var i = 0; i < v.Dimensions.Length; i++) Put32(dims.AsSpan(4 * i), (uint)v.Dimensions[i], bigEndian);
        body.Write(Element(MiInt32, dims, bigEndian, small: false));
        body.Write(Element(MiInt8, Encoding.ASCII.GetBytes(v.Name), bigEndian, small: true));
        body.Write(Element(v.StorageType, Encode(v.Values, v.StorageType, bigEndian), bigEndian, small: true));
        return body.ToArray();
    }

    /// <summary>A tagged element; with <paramref name="small"/>, data of 1..4 bytes uses the 8-byte small format.</summary>
    public static byte[] Element(int type, byte[] data, bool bigEndian, bool small)
    {
        if (small && data.Length is > 0 and <= 4)
        {
            var packed = new byte[8];
            Put32(packed, ((uint)data.Length << 16) | (uint)type, bigEndian);
            data.CopyTo(packed, 4);
            return packed;
        }
        var padded = (data.Length + 7) / 8 * 8;
        var element = new byte[8 + padded];
        Put32(element, (uint)type, bigEndian);
        Put32(element.AsSpan(4), (uint)data.Length, bigEndian);
        data.CopyTo(element, 8);
        return element;
    }

    private static byte[] Encode(double[] values, int type, bool bigEndian)
    {
        var width = type switch
        {
            MiInt8 or MiUInt8 => 1,
            MiInt16 or MiUInt16 => 2,
            MiInt32 or MiUInt32 or MiSingle => 4,
            _ => 8,
        };
        var bytes = new byte[values.Length * width];
        for (var i = 0; i < values.Length; i++)
        {
            var span = bytes.AsSpan(i * width, width);
            var v = values[i];
            switch (type)
            {
                case MiInt8: span[0] = (byte)(sbyte)v; break;
                case MiUInt8: span[0] = (byte)v; break;
                case MiInt16: Put16(span, (ushort)(short)v, bigEndian); break;
                case MiUInt16: Put16(span, (ushort)v, bigEndian); break;
                case MiInt32: Put32(span, (uint)(int)v, bigEndian); break;
                case MiUInt32: Put32(span, (uint)v, bigEndian); break;
                case MiSingle: Put32(span, BitConverter.SingleToUInt32Bits((float)v), bigEndian); break;
                case MiInt64: Put64(span, (ulong)(long)v, bigEndian); break;
                case MiUInt64: Put64(span, (ulong)v, bigEndian); break;
                default: Put64(span, BitConverter.DoubleToUInt64Bits(v), bigEndian); break;
            }
        }
        return bytes;
    }

    private static void Put16(Span<byte> s, int v, bool be)
    {
        if (be) BinaryPrimitives.WriteUInt16BigEndian(s, (ushort)v);
        else BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)v);
    }

    private static void Put32(Span<byte> s, uint v, bool be)
    {
        if (be) BinaryPrimitives.WriteUInt32BigEndian(s, v);
        else BinaryPrimitives.WriteUInt32LittleEndian(s, v);
    }

    private static void Put64(Span<byte> s, ulong v, bool be)
    {
        if (be) BinaryPrimitives.WriteUInt64BigEndian(s, v);
        else BinaryPrimitives.WriteUInt64LittleEndian(s, v);
    }
}
