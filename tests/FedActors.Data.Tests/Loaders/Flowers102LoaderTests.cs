using FedActors.Data.Loaders;
using static FedActors.Data.Tests.Loaders.MatWriter;

namespace FedActors.Data.Tests.Loaders;

public sealed class Flowers102LoaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>
    /// Eight image ids; jpgs for 1, 2, 3, 5, 6, 8 (4 and 7 absent). Labels 1..102 per id; trnid {1,2,7},
    /// valid {3,4}, tstid {5,6,8}. imagelabels.mat is compressed and stores doubles as uint8, setid.mat is
    /// not compressed and stores uint16, as MATLAB files do.
    /// </summary>
    private string Fixture(double[]? labels = null)
    {
        var root = _temp.Path;
        labels ??= [1, 102, 50, 1, 2, 102, 7, 50];
        File.WriteAllBytes(Path.Combine(root, "imagelabels.mat"), Write([RowVector("labels", labels, MatClass.Double, MiUInt8)], compressed: true));
        File.WriteAllBytes(Path.Combine(root, "setid.mat"), Write(
        [
            RowVector("trnid", [1, 2, 7], MatClass.Double, MiUInt16),
            RowVector("valid", [3, 4], MatClass.Double, MiUInt16),
            RowVector("tstid", [5, 6, 8], MatClass.Double, MiUInt16),
        ], compressed: false));
        foreach (var id in new[] { 1, 2, 3, 5, 6, 8 })
            TestImages.Jpeg(_temp.File("jpg", $"image_{id:D5}.jpg"), 60, 40, seed: id);
        return root;
    }

    [Fact]
    public void Load_must_read_labels_and_splits_and_count_absent_jpgs()
    {
        var root = Fixture();

        var loaded = Flowers102Loader.Load(root, new LoaderOptions(20));

        Assert.Equal(102, loaded.Images.NumClasses);
        Assert.Equal("1", loaded.Images.ClassNames[0]);
        Assert.Equal("102", loaded.Images.ClassNames[101]);
        Assert.Equal([0, 101, 49, 1, 101, 49], loaded.Images.Labels);
        Assert.Equal(["image_00001.jpg", "image_00002.jpg", "image_00003.jpg", "image_00005.jpg", "image_00006.jpg", "image_00008.jpg"],
            loaded.Files.Select(Path.GetFileName));
        Assert.Equal(6, loaded.Report.Loaded);
        Assert.Equal(2, loaded.Report.SkippedMissing);
        Assert.Empty(loaded.Report.SkippedBad);
        Assert.Equal(20, loaded.Images.Height);
    }

    [Theory]
    [InlineData(Flowers102Splits.Train, new[] { 1, 2 }, 1)]
    [InlineData(Flowers102Splits.Valid, new[] { 3 }, 1)]
    [InlineData(Flowers102Splits.Test, new[] { 5, 6, 8 }, 0)]
    [InlineData(Flowers102Splits.Train | Flowers102Splits.Test, new[] { 1, 2, 5, 6, 8 }, 1)]
    public void Load_must_take_only_the_chosen_splits(Flowers102Splits splits, int[] ids, int missing)
    {
        var root = Fixture();

        var loaded = Flowers102Loader.Load(root, new LoaderOptions(16), splits);

        Assert.Equal(ids.Select(id => $"image_{id:D5}.jpg"), loaded.Files.Select(Path.GetFileName));
        Assert.Equal(missing, loaded.Report.SkippedMissing);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(103)]
    public void Load_under_fail_must_reject_a_label_out_of_range(double label)
    {
        var root = Fixture([1, 102, label, 1, 2, 102, 7, 50]);

        var error = Assert.Throws<DatasetException>(() => Flowers102Loader.Load(root, new LoaderOptions(16)));

        Assert.EndsWith("image_00003.jpg", error.Path, StringComparison.Ordinal);
        Assert.Contains($"label {label}", error.Message, StringComparison.Ordinal);
        Assert.Contains("imagelabels.mat", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_under_skip_must_leave_out_an_image_with_a_label_out_of_range()
    {
        var root = Fixture([1, 102, 103, 1, 2, 102, 7, 50]);

        var loaded = Flowers102Loader.Load(root, new LoaderOptions(16, OnBadFile.Skip));

        Assert.Equal(5, loaded.Report.Loaded);
        Assert.DoesNotContain(loaded.Files, f => f.EndsWith("image_00003.jpg", StringComparison.Ordinal));
        Assert.EndsWith("image_00003.jpg", Assert.Single(loaded.Report.SkippedBad).Path, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OnBadFile.Fail)]
    [InlineData(OnBadFile.Skip)]
    public void Load_must_apply_the_policy_to_a_bad_jpg(OnBadFile policy)
    {
        var root = Fixture();
        var bad = TestImages.TruncatedJpeg(Path.Combine(root, "jpg", "image_00005.jpg"));

        if (policy == OnBadFile.Fail)
        {
            Assert.Equal(bad, Assert.Throws<DatasetException>(() => Flowers102Loader.Load(root, new LoaderOptions(16, policy))).Path);
            return;
        }
        var loaded = Flowers102Loader.Load(root, new LoaderOptions(16, policy));
        Assert.Equal(5, loaded.Report.Loaded);
        Assert.Equal(bad, Assert.Single(loaded.Report.SkippedBad).Path);
    }

    [Theory]
    [InlineData(OnBadFile.Fail)]
    [InlineData(OnBadFile.Skip)]
    public void Load_must_throw_for_a_missing_mat_file_whatever_the_policy(OnBadFile policy)
    {
        var root = Fixture();
        File.Delete(Path.Combine(root, "setid.mat"));

        var error = Assert.Throws<DatasetException>(() => Flowers102Loader.Load(root, new LoaderOptions(16, policy)));

        Assert.Equal(Path.Combine(root, "setid.mat"), error.Path);
        Assert.Contains("not found", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OnBadFile.Fail)]
    [InlineData(OnBadFile.Skip)]
    public void Load_must_throw_for_a_malformed_mat_file_whatever_the_policy(OnBadFile policy)
    {
        var root = Fixture();
        var path = Path.Combine(root, "imagelabels.mat");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..150]);

        var error = Assert.Throws<DatasetException>(() => Flowers102Loader.Load(root, new LoaderOptions(16, policy)));

        Assert.Equal(path, error.Path);
        Assert.Contains("malformed MAT-file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_must_throw_when_a_split_variable_is_missing_or_lists_unknown_ids()
    {
        var root = Fixture();
        var setId = Path.Combine(root, "setid.mat");
        File.WriteAllBytes(setId, Write([RowVector("trnid", [1]), RowVector("valid", [2])], compressed: false));

        var missing = Assert.Throws<DatasetException>(() => Flowers102Loader.Load(root, new LoaderOptions(16)));
        File.WriteAllBytes(setId, Write([RowVector("trnid", [1, 9]), RowVector("valid", [2]), RowVector("tstid", [3])], compressed: false));
        var unknown = Assert.Throws<DatasetException>(() => Flowers102Loader.Load(root, new LoaderOptions(16)));

        Assert.Contains("'tstid'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("image id 9", unknown.Message, StringComparison.Ordinal);
        // Only the train split chosen: tstid is never read, so its absence does not matter.
        File.WriteAllBytes(setId, Write([RowVector("trnid", [1])], compressed: false));
        Assert.Equal(1, Flowers102Loader.Load(root, new LoaderOptions(16), Flowers102Splits.Train).Report.Loaded);
    }

    [Fact]
    public void Load_must_throw_when_no_jpg_is_present()
    {
        var root = Fixture();
        Directory.Delete(Path.Combine(root, "jpg"), recursive: true);

        var error = Assert.Throws<DatasetException>(() => Flowers102Loader.Load(root, new LoaderOptions(16)));

        Assert.Contains("no images loaded", error.Message, StringComparison.Ordinal);
    }
}
