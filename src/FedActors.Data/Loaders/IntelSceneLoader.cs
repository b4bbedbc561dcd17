namespace FedActors.Data.Loaders;

/// <summary>Intel Image Classification: labeled train and test sets, and the optional unlabeled prediction set.</summary>
/// <param name="Unlabeled">
/// seg_pred: images without labels, as a dataset with the single class <see cref="ImageFolderLoader.UnlabeledClass"/>;
/// null unless asked for.
/// </param>
/// <param name="Report">The three parts' reports combined; each part also carries its own.</param>
public sealed record IntelSceneData(LoadedDataset Train, LoadedDataset Test, LoadedDataset? Unlabeled, LoadReport Report);

/// <summary>
/// Intel Image Classification (Kaggle puneet6060/intel-image-classification). Accepts the layout as
/// distributed, <c>seg_train/seg_train/&lt;class&gt;</c>, <c>seg_test/seg_test/&lt;class&gt;</c>,
/// <c>seg_pred/seg_pred/</c>, and the flattened forms <c>seg_train/&lt;class&gt;</c> or <c>train/&lt;class&gt;</c>
/// (likewise <c>test</c>, <c>pred</c>). Class names come from the train folders; test must have the same.
/// </summary>
public static class IntelSceneLoader
{
    public const string Name = "intel-scene";

    public static IntelSceneData Load(
        string root,
        LoaderOptions options,
        bool includeUnlabeled = false,
        Images.ImageDecoder? decoder = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(options);
        ImageFiles.RequireFolder(root);
        decoder ??= new Images.ImageDecoder();

        var train = ImageFolderLoader.Load($"{Name}/train", SplitFolder(root, "train"), options, null, decoder, cancellationToken);
        var testFolder = SplitFolder(root, "test");
        var testClasses = ImageFiles.FoldersIn(testFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        if (!testClasses.SequenceEqual(train.Images.ClassNames, StringComparer.Ordinal))
        {
            throw new DatasetException(testFolder,
                $"test classes ({string.Join(", ", testClasses)}) differ from train classes ({string.Join(", ", train.Images.ClassNames)})");
        }
        var test = ImageFolderLoader.Load($"{Name}/test", testFolder, options, train.Images.ClassNames, decoder, cancellationToken);
        var pred = includeUnlabeled
            ? ImageFolderLoader.LoadUnlabeled($"{Name}/pred", SplitFolder(root, "pred"), options, decoder, cancellationToken)
            : null;

        var reports = pred is null ? new[] { train.Report, test.Report } : [train.Report, test.Report, pred.Report];
        return new IntelSceneData(train, test, pred, LoadReport.Combine(Name, reports));
    }

    private static string SplitFolder(string root, string split)
    {
        string[] candidates = [Path.Combine(root, $"seg_{split}", $"seg_{split}"), Path.Combine(root, $"seg_{split}"), Path.Combine(root, split)];
        return candidates.FirstOrDefault(Directory.Exists)
            ?? throw new DatasetException(root, $"no {split} folder: looked for {string.Join(", ", candidates)}");
    }
}
