using System.Globalization;

namespace FedActors.Data.Loaders;

/// <summary>A file left out of a dataset and why.</summary>
public sealed record SkippedFile(string Path, string Reason);

/// <summary>
/// What a load did with every candidate file; shown in the run summary so no image disappears unnoticed.
/// </summary>
/// <param name="Dataset">Dataset name, e.g. <c>flowers102</c>.</param>
/// <param name="Loaded">Images in the returned dataset(s).</param>
/// <param name="SkippedMissing">
/// Listed images whose file is absent where absence is normal (Flowers102 ids without a jpg: a subset of
/// the folder is a supported layout). Everywhere else a missing file is a bad file.
/// </param>
/// <param name="SkippedBad">Files (or class folders) left out under <see cref="OnBadFile.Skip"/>, with reasons.</param>
/// <param name="Decoded">Images decoded from their files during this load.</param>
/// <param name="FromMemoryCache">Images already decoded earlier in this run.</param>
/// <param name="FromDiskCache">Images read from the on-disk decoded-image cache.</param>
public sealed record LoadReport(
    string Dataset,
    int Loaded,
    int SkippedMissing,
    IReadOnlyList<SkippedFile> SkippedBad,
    int Decoded,
    int FromMemoryCache,
    int FromDiskCache)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Dataset}: {Loaded} loaded, {SkippedMissing} skipped (file absent), {SkippedBad.Count} skipped (bad); " +
        $"{Decoded} decoded, {FromMemoryCache} from memory cache, {FromDiskCache} from disk cache");

    /// <summary>One report for several loads, e.g. the train, test and unlabeled parts of one dataset.</summary>
    public static LoadReport Combine(string dataset, IReadOnlyList<LoadReport> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return new LoadReport(
            dataset,
            parts.Sum(p => p.Loaded),
            parts.Sum(p => p.SkippedMissing),
            parts.SelectMany(p => p.SkippedBad).ToArray(),
            parts.Sum(p => p.Decoded),
            parts.Sum(p => p.FromMemoryCache),
            parts.Sum(p => p.FromDiskCache));
    }
}

/// <summary>A loaded dataset, the file each image came from (in dataset order), and the account of the load.</summary>
public sealed record LoadedDataset(ImageDataset Images, IReadOnlyList<string> Files, LoadReport Report)
{
    /// <summary>Per image (aligned with <see cref="Images"/>), its owner, when the loader was asked for an owner column.</summary>
    public IReadOnlyList<string>? Owners { get; init; }
}
