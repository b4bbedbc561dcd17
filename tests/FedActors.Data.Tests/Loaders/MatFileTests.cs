using System.Text;
using FedActors.Data.Loaders;
using static FedActors.Data.Tests.Loaders.MatWriter;

namespace FedActors.Data.Tests.Loaders;

public sealed class MatFileTests
{
    private static MatFile Parse(byte[] bytes) => MatFile.Parse(bytes, "test.mat");

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Parse_must_read_numeric_variables_stored_as_any_type(bool compressed, bool bigEndian)
    {
        var bytes = Write(
        [
            RowVector("labels", [1, 2, 102, 77], MatClass.Double, MiUInt8),
            RowVector("trnid", [7, 300, 8189], MatClass.Double, MiUInt16),
            RowVector("d", [0.5, -2.25]),
            RowVector("neg", [-3, 4], MatClass.Int32, MiInt32),
            RowVector("s", [1.5f], MatClass.Single, MiSingle),
            RowVector("big", [1L << 40], MatClass.UInt64, MiUInt64),
        ], compressed, bigEndian);

        var mat = Parse(bytes);

        Assert.Equal([1.0, 2, 102, 77], mat["labels"].Real!);
        Assert.Equal(MatClass.Double, mat["labels"].Class);
        Assert.Equal([1, 4], mat["labels"].Dimensions);
        Assert.Equal([7.0, 300, 8189], mat["trnid"].Real!);
        Assert.Equal([0.5, -2.25], mat["d"].Real!);
        Assert.Equal([-3.0, 4], mat["neg"].Real!);
        Assert.Equal([1.5], mat["s"].Real!);
        Assert.Equal([(double)(1L << 40)], mat["big"].Real!);
        Assert.Equal(6, mat.Variables.Count);
    }

    [Fact]
    public void Parse_must_keep_column_major_order_and_all_dimensions()
    {
        // 2x3 matrix [[1,2,3],[4,5,6]] is stored column by column: 1,4,2,5,3,6.
        var bytes = Write([new Variable("m", MatClass.Double, [2, 3], [1, 4, 2, 5, 3, 6], MiDouble)], compressed: true);

        var m = Parse(bytes)["m"];

        Assert.Equal([2, 3], m.Dimensions);
        Assert.Equal(6, m.ElementCount);
        Assert.Equal([1.0, 4, 2, 5, 3, 6], m.Real!);
    }

    [Fact]
    public void Parse_must_read_small_data_elements()
    {
        // A one-byte real part and a 1-char name both use the 4-byte small element format.
        var bytes = Write([RowVector("x", [42], MatClass.UInt8, MiUInt8)], compressed: false);
        Assert.Equal(128 + 8 + 16 + 16 + 8 + 8, bytes.Length);

        Assert.Equal([42.0], Parse(bytes)["x"].Real!);
    }

    [Fact]
    public void Parse_must_record_non_numeric_variables_without_data()
    {
        var bytes = Write([new Variable("c", MatClass.Cell, [1, 0], [], MiDouble), RowVector("v", [1])], compressed: false);
        // The reader keeps class, dimensions and name of a cell array and reads nothing after the name.
        var mat = Parse(bytes);

        Assert.False(mat["c"].IsNumeric);
        Assert.Equal(MatClass.Cell, mat["c"].Class);
        Assert.Equal([1.0], mat["v"].Real!);
    }

    [Fact]
    public void Indexer_must_name_the_file_and_the_variables_present_when_a_variable_is_missing()
    {
        var mat = Parse(Write([RowVector("labels", [1])], compressed: false));

        var error = Assert.Throws<DatasetException>(() => mat["trnid"]);

        Assert.Equal("test.mat", error.Path);
        Assert.Contains("'trnid'", error.Message);
        Assert.Contains("labels", error.Message);
    }

    [Fact]
    public void Read_must_throw_naming_a_missing_file()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "absent.mat");

        var error = Assert.Throws<DatasetException>(() => MatFile.Read(path));

        Assert.Equal(path, error.Path);
        Assert.Contains("not found", error.Message);
    }

    public static TheoryData<string, byte[], string> MalformedFiles()
    {
        var good = Write([RowVector("labels", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])], compressed: false);
        var goodCompressed = Write([RowVector("labels", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])], compressed: true);
        var hdf5 = (byte[])good.Clone();
        Encoding.ASCII.GetBytes("MATLAB 7.3 MAT-file").CopyTo(hdf5, 0);
        var badEndian = (byte[])good.Clone();
        badEndian[126] = (byte)'X';
        var corruptZlib = (byte[])goodCompressed.Clone();
        for (var i = 128 + 8 + 2; i < corruptZlib.Length; i++) corruptZlib[i] ^= 0x5A;
        var wrongCount = Write([new Variable("labels", MatClass.Double, [1, 5], [1, 2, 3], MiDouble)], compressed: false);
        return new TheoryData<string, byte[], string>
        {
            { "text", Encoding.ASCII.GetBytes("labels = [1 2 3]\n"), "shorter than the 128-byte" },
            { "not-matlab", Encoding.ASCII.GetBytes(new string('x', 200)), "not a MAT-file" },
            { "hdf5", hdf5, "HDF5" },
            { "bad-endian", badEndian, "endian" },
            { "truncated", good[..(good.Length - 40)], "truncated" },
            { "truncated-compressed", goodCompressed[..(goodCompressed.Length - 5)], "truncated" },
            { "corrupt-zlib", corruptZlib, "zlib" },
            { "count-mismatch", wrongCount, "5 values" },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Parse_must_reject_malformed_files_naming_the_file(string kind, byte[] bytes, string expected)
    {
        var error = Assert.Throws<DatasetException>(() => Parse(bytes));

        Assert.Equal("test.mat", error.Path);
        Assert.Contains("malformed MAT-file", error.Message);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.NotNull(kind);
    }

    [SharedDatasetFact(SharedDatasets.Flowers)]
    public void Read_must_read_the_official_flowers102_files()
    {
        var root = SharedDatasets.Require(SharedDatasets.Flowers);

        var labels = MatFile.Read(Path.Combine(root, "imagelabels.mat"))["labels"];
        var setId = MatFile.Read(Path.Combine(root, "setid.mat"));

        Assert.Equal(8189, labels.ElementCount);
        Assert.All(labels.Real!, l => Assert.InRange(l, 1, 102));
        Assert.Equal(102, labels.Real!.Distinct().Count());
        var splits = new[] { "trnid", "valid", "tstid" }.Select(v => setId[v].Real!).ToArray();
        Assert.Equal([1020, 1020, 6149], splits.Select(s => s.Length));
        // The three splits partition the 8189 images.
        Assert.Equal(Enumerable.Range(1, 8189).Select(i => (double)i), splits.SelectMany(s => s).Order());
    }
}
