using System.Globalization;

namespace FedActors.Data.Loaders;

/// <summary>The official Flowers102 splits (setid.mat variables trnid, valid, tstid).</summary>
[Flags]
public enum Flowers102Splits
{
    None = 0,
    Train = 1,
    Valid = 2,
    Test = 4,
    All = Train | Valid | Test,
}

/// <summary>
/// Oxford Flowers102 in its original layout: <c>jpg/image_NNNNN.jpg</c>, <c>imagelabels.mat</c> (variable
/// <c>labels</c>, 1..102 per image id) and <c>setid.mat</c> (<c>trnid</c>, <c>valid</c>, <c>tstid</c>: image ids).
/// Ids whose jpg is absent are counted in <see cref="LoadReport.SkippedMissing"/>: a subset of the jpg folder
/// is a supported layout. The label space is always the 102 classes (label = id - 1, names "1".."102"),
/// whichever of them are present, so subsets of the dataset share one label space.
/// </summary>
public static class Flowers102Loader
{
    public const int ClassCount = 102;
    public const string Name = "flowers102";

    private static readonly string[] ClassNames = Enumerable.Range(1, ClassCount).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Images of the chosen official splits, in image-id order.</summary>
    public static LoadedDataset Load(
        string root,
        LoaderOptions options,
        Flowers102Splits splits = Flowers102Splits.All,
        Images.ImageDecoder? decoder = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(options);
        if ((splits & Flowers102Splits.All) == Flowers102Splits.None)
            throw new ArgumentException("choose at least one of Train, Valid, Test", nameof(splits));
        ImageFiles.RequireFolder(root);

        var labelsPath = Path.Combine(root, "imagelabels.mat");
        var setIdPath = Path.Combine(root, "setid.mat");
        var labels = IntegerVector(MatFile.Read(labelsPath), "labels");
        var setId = MatFile.Read(setIdPath);

        var ids = new SortedSet<int>();
        foreach (var (split, variable) in new[] { (Flowers102Splits.Train, "trnid"), (Flowers102Splits.Valid, "valid"), (Flowers102Splits.Test, "tstid") })
        {
            if (!splits.HasFlag(split)) continue;
            foreach (var id in IntegerVector(setId, variable))
            {
                if (id < 1 || id > labels.Length)
                    throw new DatasetException(setIdPath, $"'{variable}' lists image id {id}, outside 1..{labels.Length} (the images in imagelabels.mat)");
                ids.Add((int)id);
            }
        }

        var jpgFolder = Path.Combine(root, "jpg");
        var present = Directory.Exists(jpgFolder)
            ? ImageFiles.DirectlyIn(jpgFolder).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal)
            : [];
        var account = new LoadAccount(options);
        var files = new List<LabeledFile>(Math.Min(ids.Count, present.Count));
        foreach (var id in ids)
        {
            var fileName = string.Create(CultureInfo.InvariantCulture, $"image_{id:D5}.jpg");
            if (!present.Contains(fileName))
            {
                account.Missing();
                continue;
            }
            var jpg = Path.Combine(jpgFolder, fileName);
            var label = labels[id - 1];
            if (label < 1 || label > ClassCount)
            {
                account.Bad(jpg, $"its label {label} in {labelsPath} is outside 1..{ClassCount}");
                continue;
            }
            files.Add(new LabeledFile(jpg, (int)label - 1));
        }

        return account.Assemble(Name, jpgFolder, ClassNames, files, decoder ?? new Images.ImageDecoder(), cancellationToken);
    }

    /// <summary>A numeric row or column vector of whole numbers.</summary>
    private static long[] IntegerVector(MatFile file, string variable)
    {
        var array = file[variable];
        if (!array.IsNumeric || array.IsComplex)
            throw new DatasetException(file.Path, $"variable '{variable}' is a {array.Class} array; expected real numbers");
        if (array.Dimensions.Count(d => d != 1) > 1)
            throw new DatasetException(file.Path, $"variable '{variable}' is {string.Join('x', array.Dimensions)}; expected a vector");
        var values = new long[array.Real!.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var v = array.Real[i];
            if (v != Math.Floor(v) || Math.Abs(v) > int.MaxValue)
                throw new DatasetException(file.Path, $"variable '{variable}' holds {v.ToString(CultureInfo.InvariantCulture)} at position {i + 1}; expected whole numbers");
            values[i] = (long)v;
        }
        return values;
    }
}
