using FedActors.Data.Images;
using FedActors.Data.Loaders;

namespace FedActors.Data.Tests.Loaders;

/// <summary>The loaders on the real mini datasets (skipped where <c>../shared/datasets</c> is absent).</summary>
public sealed class SharedDatasetTests
{
    [SharedDatasetFact(SharedDatasets.Flowers)]
    public void Flowers102_must_load_the_mini_subset_and_agree_with_its_labels_csv()
    {
        var root = SharedDatasets.Require(SharedDatasets.Flowers);
        var decoder = new ImageDecoder();
        var options = new LoaderOptions(32);

        var all = Flowers102Loader.Load(root, options, decoder: decoder);
        var train = Flowers102Loader.Load(root, options, Flowers102Splits.Train, decoder);
        var csv = LabelsCsvLoader.Load(Path.Combine(root, "labels.csv"), options, decoder: decoder);

        Assert.Equal(800, all.Report.Loaded);
        Assert.Equal(8189 - 800, all.Report.SkippedMissing);
        Assert.Empty(all.Report.SkippedBad);
        Assert.Equal(40, all.Images.Labels.Distinct().Count());
        Assert.All(all.Images.Labels.CountBy(l => l), group => Assert.Equal(20, group.Value));
        Assert.Equal(400, train.Report.Loaded);
        Assert.Equal(400, train.Report.FromMemoryCache);
        Assert.Equal(800, decoder.DecodedCount);

        // labels.csv was written from the .mat files: same class name and same pixels for every file.
        var fromMat = all.Files.Select((f, i) => (f, i)).ToDictionary(p => Path.GetFullPath(p.f), p => p.i);
        Assert.Equal(800, csv.Images.Count);
        Assert.Equal(40, csv.Images.NumClasses);
        for (var i = 0; i < csv.Images.Count; i++)
        {
            var j = fromMat[Path.GetFullPath(csv.Files[i])];
            Assert.Equal(all.Images.ClassNames[all.Images.Labels[j]], csv.Images.ClassNames[csv.Images.Labels[i]]);
            Assert.True(all.Images.Image(j).SequenceEqual(csv.Images.Image(i)));
        }
    }

    [SharedDatasetFact(SharedDatasets.Intel)]
    public void IntelScene_must_load_the_mini_train_and_test_sets()
    {
        var root = SharedDatasets.Require(SharedDatasets.Intel);

        var data = IntelSceneLoader.Load(root, new LoaderOptions(64), decoder: new ImageDecoder());

        string[] classes = ["buildings", "forest", "glacier", "mountain", "sea", "street"];
        Assert.Equal(classes, data.Train.Images.ClassNames);
        Assert.Equal(900, data.Train.Images.Count);
        Assert.Equal(300, data.Test.Images.Count);
        Assert.All(data.Train.Images.Labels.CountBy(l => l), g => Assert.Equal(150, g.Value));
        Assert.All(data.Test.Images.Labels.CountBy(l => l), g => Assert.Equal(50, g.Value));
        Assert.Equal(1200, data.Report.Loaded);
        Assert.Empty(data.Report.SkippedBad);
        // Real photos, not a blank fill: the tiles vary.
        Assert.True(data.Train.Images.Pixels.Distinct().Count() > 200);
    }
}
