namespace FedActors.Data.Loaders;

/// <summary>
/// A folder per class: <c>root/&lt;class&gt;/**/*.jpg|png</c>. Class names are the folder names, sorted
/// (ordinal), unless given. Every file below a class folder is a candidate image: a file that is not a JPEG
/// or PNG is a bad file, never silently ignored. Hidden entries (dot-files) are not considered.
/// </summary>
public static class ImageFolderLoader
{
    /// <param name="classNames">
    /// The label space, in label order. When given, every class folder must be one of these (another folder is
    /// an error) and a class without a folder counts like an empty class folder.
    /// </param>
    public static LoadedDataset Load(
        string root,
        LoaderOptions options,
        IReadOnlyList<string>? classNames = null,
        Images.ImageDecoder? decoder = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(options);
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)));
        return Load(name, root, options, classNames, decoder ?? new Images.ImageDecoder(), cancellationToken);
    }

    internal static LoadedDataset Load(
        string name,
        string root,
        LoaderOptions options,
        IReadOnlyList<string>? classNames,
        Images.ImageDecoder decoder,
        CancellationToken cancellationToken)
    {
        ImageFiles.RequireFolder(root);
        var folders = ImageFiles.FoldersIn(root);
        var classes = classNames ?? folders.Select(Path.GetFileName).ToArray()!;
        if (classes.Count == 0) throw new DatasetException(root, "no class folders (expected one subfolder per class)");
        if (classes.Distinct(StringComparer.Ordinal).Count() != classes.Count)
            throw new ArgumentException("class names repeat", nameof(classNames));
        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            if (!classIndex.ContainsKey(Path.GetFileName(folder)))
                throw new DatasetException(folder, $"folder is not one of the {classes.Count} expected classes ({string.Join(", ", classes)})");
        }

        var account = new LoadAccount(options);
        foreach (var stray in ImageFiles.DirectlyIn(root))
            account.Bad(stray, "file lies outside every class folder");

        var files = new List<LabeledFile>();
        for (var label = 0; label < classes.Count; label++)
        {
            var folder = Path.Combine(root, classes[label]);
            var images = Directory.Exists(folder) ? ImageFiles.Under(folder) : [];
            if (images.Length == 0)
            {
                account.Bad(folder, Directory.Exists(folder) ? "class folder has no images" : "class folder is missing");
                continue;
            }
            files.AddRange(images.Select(path => new LabeledFile(path, label)));
        }
        return account.Assemble(name, root, classes, files, decoder, cancellationToken);
    }

    /// <summary>Every file below <paramref name="root"/> as one unlabeled set (a single class named "unlabeled").</summary>
    internal static LoadedDataset LoadUnlabeled(string name, string root, LoaderOptions options, Images.ImageDecoder decoder, CancellationToken cancellationToken)
    {
        ImageFiles.RequireFolder(root);
        var files = ImageFiles.Under(root).Select(path => new LabeledFile(path, 0)).ToArray();
        return new LoadAccount(options).Assemble(name, root, [UnlabeledClass], files, decoder, cancellationToken);
    }

    /// <summary>The one class name of an unlabeled set: its labels are all 0 and mean nothing.</summary>
    public const string UnlabeledClass = "unlabeled";
}
