using FedActors.Data.Loaders;

namespace FedActors.Data.Tests.Loaders;

public sealed class IntelSceneLoaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Two classes; 2 train and 1 test image each; 3 unlabeled images. Kaggle's doubled folders, or flattened.</summary>
    private string Fixture(bool kaggleLayout)
    {
        string Split(string name) => kaggleLayout ? Path.Combine($"seg_{name}", $"seg_{name}") : name;
        var seed = 0;
        foreach (var cls in new[] { "forest", "sea" })
        {
            for (var i = 0; i < 2; i++) TestImages.Jpeg(_temp.File(Split("train"), cls, $"{i}.jpg"), 150, 150, ++seed);
            TestImages.Jpeg(_temp.File(Split("test"), cls, "t.jpg"), 150, 150, ++seed);
        }
        for (var i = 0; i < 3; i++) TestImages.Jpeg(_temp.File(Split("pred"), $"{i}.jpg"), 150, 150, ++seed);
        return _temp.Path;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Load_must_read_train_test_and_unlabeled_sets(bool kaggleLayout)
    {
        var root = Fixture(kaggleLayout);

        var data = IntelSceneLoader.Load(root, new LoaderOptions(32), includeUnlabeled: true);

        Assert.Equal(["forest", "sea"], data.Train.Images.ClassNames);
        Assert.Equal([0, 0, 1, 1], data.Train.Images.Labels);
        Assert.Equal(data.Train.Images.ClassNames, data.Test.Images.ClassNames);
        Assert.Equal([0, 1], data.Test.Images.Labels);
        Assert.Equal(3, data.Unlabeled!.Images.Count);
        Assert.Equal([ImageFolderLoader.UnlabeledClass], data.Unlabeled.Images.ClassNames);
        Assert.Equal("intel-scene/train", data.Train.Images.Name);
        Assert.Equal(9, data.Report.Loaded);
        Assert.Equal(9, data.Report.Decoded);
    }

    [Fact]
    public void Load_must_leave_the_unlabeled_set_out_unless_asked()
    {
        var root = Fixture(kaggleLayout: true);

        var data = IntelSceneLoader.Load(root, new LoaderOptions(16));

        Assert.Null(data.Unlabeled);
        Assert.Equal(6, data.Report.Loaded);
    }

    [Fact]
    public void Load_must_throw_when_test_classes_differ_from_train()
    {
        var root = Fixture(kaggleLayout: true);
        TestImages.Jpeg(_temp.File("seg_test", "seg_test", "street", "x.jpg"));

        var error = Assert.Throws<DatasetException>(() => IntelSceneLoader.Load(root, new LoaderOptions(16)));

        Assert.EndsWith("seg_test", error.Path, StringComparison.Ordinal);
        Assert.Contains("street", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_must_throw_naming_the_folders_tried_when_a_split_is_missing()
    {
        var root = Fixture(kaggleLayout: true);
        Directory.Delete(Path.Combine(root, "seg_pred"), recursive: true);

        var error = Assert.Throws<DatasetException>(() => IntelSceneLoader.Load(root, new LoaderOptions(16), includeUnlabeled: true));

        Assert.Contains(Path.Combine("seg_pred", "seg_pred"), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OnBadFile.Fail)]
    [InlineData(OnBadFile.Skip)]
    public void Load_must_apply_the_policy_in_every_split(OnBadFile policy)
    {
        var root = Fixture(kaggleLayout: true);
        var badTest = TestImages.Gif(_temp.File("seg_test", "seg_test", "sea", "odd.gif"));
        var badPred = TestImages.TextNamedJpeg(_temp.File("seg_pred", "seg_pred", "note.jpg"));

        if (policy == OnBadFile.Fail)
        {
            var error = Assert.Throws<DatasetException>(() => IntelSceneLoader.Load(root, new LoaderOptions(16, policy), includeUnlabeled: true));
            Assert.Equal(badTest, error.Path);
            return;
        }
        var data = IntelSceneLoader.Load(root, new LoaderOptions(16, policy), includeUnlabeled: true);
        Assert.Equal([badTest, badPred], data.Report.SkippedBad.Select(s => s.Path));
        Assert.Equal(badTest, Assert.Single(data.Test.Report.SkippedBad).Path);
        Assert.Equal(9, data.Report.Loaded);
    }
}
