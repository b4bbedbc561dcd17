using FedActors.Data.Images;
using FedActors.Data.Loaders;

namespace FedActors.Data.Tests.Loaders;

public sealed class ImageFolderLoaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>root/cat: 2 JPEGs; root/dog: 1 JPEG + 1 PNG. Four good images.</summary>
    private string GoodFolder()
    {
        var root = _temp.Folder("pets");
        TestImages.Jpeg(_temp.File("pets", "cat", "c1.jpg"), seed: 1);
        TestImages.Jpeg(_temp.File("pets", "cat", "c2.JPEG"), seed: 2);
        TestImages.Jpeg(_temp.File("pets", "dog", "d1.jpg"), seed: 3);
        TestImages.Bands(_temp.File("pets", "dog", "nested", "d2.png"), 30, 20);
        return root;
    }

    [Fact]
    public void Load_must_label_images_by_class_folder_in_sorted_order()
    {
        var root = GoodFolder();

        var loaded = ImageFolderLoader.Load(root, new LoaderOptions(24));

        var data = loaded.Images;
        Assert.Equal("pets", data.Name);
        Assert.Equal(["cat", "dog"], data.ClassNames);
        Assert.Equal([0, 0, 1, 1], data.Labels);
        Assert.Equal((3, 24, 24), (data.Channels, data.Height, data.Width));
        Assert.Equal(4 * 3 * 24 * 24, data.Pixels.Length);
        Assert.EndsWith(Path.Combine("dog", "nested", "d2.png"), loaded.Files[3], StringComparison.Ordinal);
        Assert.Equal(4, loaded.Report.Loaded);
        Assert.Empty(loaded.Report.SkippedBad);
        Assert.Equal(4, loaded.Report.Decoded);
    }

    [Fact]
    public void Load_must_ignore_hidden_files()
    {
        var root = GoodFolder();
        File.WriteAllText(_temp.File("pets", "cat", ".DS_Store"), "finder metadata");

        Assert.Equal(4, ImageFolderLoader.Load(root, new LoaderOptions(16)).Images.Count);
    }

    public static TheoryData<string> BadKinds() =>
        new("truncated-jpeg", "text-named-jpg", "gif", "tiff", "empty", "truncated-png", "empty-class-folder", "stray-file");

    /// <summary>Adds one bad input to a good folder; returns the path the loader must blame and part of its reason.</summary>
    private (string Path, string Reason) AddBadInput(string kind, string root)
    {
        switch (kind)
        {
            case "empty-class-folder":
                return (_temp.Folder("pets", "emu"), "class folder has no images");
            case "stray-file":
                return (TestImages.Jpeg(Path.Combine(root, "loose.jpg")), "outside every class folder");
            default:
                var reason = ImageDecoderTests.BadFiles().Single(row => (string)row[0] == kind)[1];
                return (ImageDecoderTests.CreateBadFile(kind, Path.Combine(root, "dog")), (string)reason);
        }
    }

    [Theory]
    [MemberData(nameof(BadKinds))]
    public void Load_under_fail_must_throw_naming_the_bad_file(string kind)
    {
        var root = GoodFolder();
        var (bad, reason) = AddBadInput(kind, root);

        var error = Assert.Throws<DatasetException>(() => ImageFolderLoader.Load(root, new LoaderOptions(16)));

        Assert.Equal(Path.GetFullPath(bad), Path.GetFullPath(error.Path));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("data.on-bad-file", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadKinds))]
    public void Load_under_skip_must_leave_out_and_report_the_bad_file(string kind)
    {
        var root = GoodFolder();
        var (bad, reason) = AddBadInput(kind, root);

        var loaded = ImageFolderLoader.Load(root, new LoaderOptions(16, OnBadFile.Skip));

        Assert.Equal(4, loaded.Images.Count);
        Assert.Equal(4, loaded.Report.Loaded);
        var skipped = Assert.Single(loaded.Report.SkippedBad);
        Assert.Equal(Path.GetFullPath(bad), Path.GetFullPath(skipped.Path));
        Assert.Contains(reason, skipped.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(loaded.Files, f => Path.GetFullPath(f) == Path.GetFullPath(bad));
        Assert.Contains("1 skipped (bad)", loaded.Report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_under_skip_must_keep_the_class_of_an_empty_folder()
    {
        var root = GoodFolder();
        _temp.Folder("pets", "emu");

        var data = ImageFolderLoader.Load(root, new LoaderOptions(16, OnBadFile.Skip)).Images;

        Assert.Equal(["cat", "dog", "emu"], data.ClassNames);
        Assert.DoesNotContain(2, data.Labels);
    }

    [Fact]
    public void Load_must_fail_when_every_file_is_bad_even_under_skip()
    {
        var root = _temp.Folder("junk");
        TestImages.TextNamedJpeg(_temp.File("junk", "a", "x.jpg"));

        var error = Assert.Throws<DatasetException>(() => ImageFolderLoader.Load(root, new LoaderOptions(16, OnBadFile.Skip)));

        Assert.Contains("no images loaded", error.Message, StringComparison.Ordinal);
        Assert.Contains("x.jpg", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_must_apply_the_pixel_limit_as_a_bad_file()
    {
        var root = GoodFolder();
        var big = TestImages.Jpeg(_temp.File("pets", "cat", "huge.jpg"), 200, 150);
        var decoder = new ImageDecoder(new DecoderOptions { MaxPixels = 100 * 100 });

        var error = Assert.Throws<DatasetException>(() => ImageFolderLoader.Load(root, new LoaderOptions(16), decoder: decoder));

        Assert.Equal(big, error.Path);
        Assert.Contains("30000 pixels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_must_take_given_class_names_and_reject_unknown_folders()
    {
        var root = GoodFolder();

        var data = ImageFolderLoader.Load(root, new LoaderOptions(16, OnBadFile.Skip), classNames: ["dog", "cat", "emu"]);
        var error = Assert.Throws<DatasetException>(() => ImageFolderLoader.Load(root, new LoaderOptions(16), classNames: ["cat"]));

        // Images come in label order: the dogs (label 0) first.
        Assert.Equal([0, 0, 1, 1], data.Images.Labels);
        Assert.Contains(Path.Combine("dog", "d1.jpg"), data.Files[0], StringComparison.Ordinal);
        Assert.Equal("class folder is missing", Assert.Single(data.Report.SkippedBad).Reason);
        Assert.EndsWith("dog", error.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_must_throw_for_a_missing_root()
    {
        var root = Path.Combine(_temp.Path, "absent");

        var error = Assert.Throws<DatasetException>(() => ImageFolderLoader.Load(root, new LoaderOptions(16)));

        Assert.Equal(root, error.Path);
    }

    [Fact]
    public void Load_must_decode_each_file_once_per_shared_decoder()
    {
        var root = GoodFolder();
        var decoder = new ImageDecoder();
        var options = new LoaderOptions(16);

        var first = ImageFolderLoader.Load(root, options, decoder: decoder);
        var second = ImageFolderLoader.Load(root, options, decoder: decoder);

        Assert.Equal(4, decoder.DecodedCount);
        Assert.Equal((4, 0), (first.Report.Decoded, first.Report.FromMemoryCache));
        Assert.Equal((0, 4), (second.Report.Decoded, second.Report.FromMemoryCache));
        Assert.Equal(first.Images.Pixels, second.Images.Pixels);
    }

    [Fact]
    public void Load_must_report_disk_cache_hits_in_a_later_run()
    {
        var root = GoodFolder();
        var options = new DecoderOptions { DiskCacheDirectory = _temp.Folder("cache") };

        var first = ImageFolderLoader.Load(root, new LoaderOptions(16), decoder: new ImageDecoder(options));
        var later = ImageFolderLoader.Load(root, new LoaderOptions(16), decoder: new ImageDecoder(options));

        Assert.Equal((0, 4), (later.Report.Decoded, later.Report.FromDiskCache));
        Assert.Equal(first.Images.Pixels, later.Images.Pixels);
    }
}
