using FedActors.Data.Images;
using FedActors.Data.Loaders;

namespace FedActors.Data.Tests.Loaders;

public sealed class LabelsCsvLoaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Csv(params string[] rows)
    {
        for (var i = 0; i < 4; i++) TestImages.Jpeg(_temp.File("img", $"{i}.jpg"), seed: i);
        TestImages.Jpeg(_temp.File("img", "with, comma.jpg"), seed: 9);
        var path = _temp.File("labels.csv");
        File.WriteAllLines(path, rows);
        return path;
    }

    private string GoodCsv(params string[] extraRows) => Csv(
    [
        "file,label,split",
        "img/0.jpg,10,train",
        "img/1.jpg,9,test",
        "\"img/with, comma.jpg\",10,train",
        "",
        "img/2.jpg,9,valid",
        .. extraRows,
    ]);

    [Fact]
    public void Load_must_read_rows_in_order_with_classes_sorted_numerically()
    {
        var csv = GoodCsv();

        var loaded = LabelsCsvLoader.Load(csv, new LoaderOptions(16));

        Assert.Equal(["9", "10"], loaded.Images.ClassNames);
        Assert.Equal([1, 0, 1, 0], loaded.Images.Labels);
        Assert.Equal(["0.jpg", "1.jpg", "with, comma.jpg", "2.jpg"], loaded.Files.Select(Path.GetFileName));
    }

    [Fact]
    public void Load_must_filter_by_split_and_accept_given_class_names()
    {
        var csv = GoodCsv();

        var loaded = LabelsCsvLoader.Load(csv, new LoaderOptions(16), splits: ["train"], classNames: ["10", "9", "8"]);

        Assert.Equal([0, 0], loaded.Images.Labels);
        Assert.Equal(3, loaded.Images.NumClasses);
    }

    public static TheoryData<string, string, string> BadRows() => new()
    {
        { "img/3.jpg,cat,train", "img/3.jpg", "label 'cat'" },
        { "img/absent.jpg,9,train", "img/absent.jpg", "file not found" },
        { "img/3.jpg,9", "labels.csv:7", "2 fields" },
        { "\"img/3.jpg,9,train", "labels.csv:7", "unclosed quote" },
        { ",9,train", "labels.csv:7", "empty file" },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public void Load_must_apply_the_policy_to_bad_rows(string row, string blamed, string reason)
    {
        var csv = GoodCsv(row);
        var options = new LoaderOptions(16);
        string[] classes = ["9", "10"];

        var error = Assert.Throws<DatasetException>(() => LabelsCsvLoader.Load(csv, options, classNames: classes));
        var skipped = LabelsCsvLoader.Load(csv, new LoaderOptions(16, OnBadFile.Skip), classNames: classes);

        Assert.EndsWith(blamed.Replace('/', Path.DirectorySeparatorChar), error.Path, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal(4, skipped.Report.Loaded);
        Assert.EndsWith(blamed.Replace('/', Path.DirectorySeparatorChar), Assert.Single(skipped.Report.SkippedBad).Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_must_throw_without_a_header_or_csv()
    {
        var noHeader = Csv("img/0.jpg,1,train");

        var error = Assert.Throws<DatasetException>(() => LabelsCsvLoader.Load(noHeader, new LoaderOptions(16)));
        var absent = Assert.Throws<DatasetException>(() => LabelsCsvLoader.Load(Path.Combine(_temp.Path, "none.csv"), new LoaderOptions(16)));

        Assert.Contains("header", error.Message, StringComparison.Ordinal);
        Assert.Contains("not found", absent.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_must_share_decoded_images_with_other_loaders()
    {
        var csv = GoodCsv();
        var decoder = new ImageDecoder();
        var folder = _temp.Folder("byclass");
        File.Copy(Path.Combine(_temp.Path, "img", "0.jpg"), Path.Combine(_temp.Folder("byclass", "a"), "x.jpg"));

        LabelsCsvLoader.Load(csv, new LoaderOptions(16), decoder: decoder);
        var again = LabelsCsvLoader.Load(csv, new LoaderOptions(16), splits: ["train"], decoder: decoder);
        ImageFolderLoader.Load(folder, new LoaderOptions(16), decoder: decoder);

        Assert.Equal(2, again.Report.FromMemoryCache);
        Assert.Equal(5, decoder.DecodedCount); // four from the CSV, the copy is another file
    }
}
