namespace FedActors.Data.Loaders;

/// <summary>
/// The running tally of one load: applies the bad-file policy as problems turn up, and builds the dataset
/// and its <see cref="LoadReport"/> from the decoded files.
/// </summary>
internal sealed class LoadAccount
{
    private readonly List<SkippedFile> _bad = [];
    private readonly LoaderOptions _options;
    private int _missing;

    public LoadAccount(LoaderOptions options)
    {
        _options = options;
    }

    /// <summary>A listed image whose file is absent, where that is a normal layout (a subset of a dataset).</summary>
    public void Missing() => _missing++;

    /// <summary>Under <see cref="OnBadFile.Fail"/> throws; under <see cref="OnBadFile.Skip"/> records and returns.</summary>
    public void Bad(string path, string reason)
    {
        if (_options.OnBadFile == OnBadFile.Fail)
            throw new DatasetException(path, $"{reason} (set data.on-bad-file = skip to leave such files out)");
        _bad.Add(new SkippedFile(path, reason));
    }

    /// <summary>
    /// Decodes <paramref name="files"/> and stacks the good ones, in order, into one dataset.
    /// <paramref name="origin"/> names the folder blamed when nothing at all could be loaded.
    /// </summary>
    public LoadedDataset Assemble(
        string name,
        string origin,
        IReadOnlyList<string> classNames,
        IReadOnlyList<LabeledFile> files,
        Images.ImageDecoder decoder,
        CancellationToken cancellationToken)
    {
        var paths = files.Select(f => f.Path).ToArray();
        var results = decoder.DecodeAll(paths, _options.Resolution, stopAtFirstError: _options.OnBadFile == OnBadFile.Fail, cancellationToken);

        var good = new List<int>(files.Count);
        int decoded = 0, fromMemory = 0, fromDisk = 0;
        for (var i = 0; i < results.Length; i++)
        {
            var result = results[i];
            if (result is null) continue; // not started: an earlier file failed under Fail, which throws below
            switch (result.Source)
            {
                case Images.DecodeSource.Decoded: decoded++; break;
                case Images.DecodeSource.MemoryCache: fromMemory++; break;
                case Images.DecodeSource.DiskCache: fromDisk++; break;
            }
            if (result.Succeeded) good.Add(i);
        }
        // Lowest index first, so the file named does not depend on thread timing when there are several.
        foreach (var result in results)
        {
            if (result is { Succeeded: false }) Bad(result.Path, result.Error!);
        }

        if (good.Count == 0)
        {
            var why = _bad.Count > 0 ? $"all {_bad.Count} candidate files were bad, first {_bad[0].Path}: {_bad[0].Reason}" : "no image files found";
            throw new DatasetException(origin, $"no images loaded for '{name}': {why}");
        }

        var r = _options.Resolution;
        var imageSize = 3 * r * r;
        var pixels = new byte[(long)good.Count * imageSize];
        var labels = new int[good.Count];
        for (var n = 0; n < good.Count; n++)
        {
            results[good[n]]!.Pixels.AsSpan().CopyTo(pixels.AsSpan(n * imageSize, imageSize));
            labels[n] = files[good[n]].Label;
        }
        var dataset = new ImageDataset(name, classNames, 3, r, r, pixels, labels);
        var report = new LoadReport(name, good.Count, _missing, _bad.ToArray(), decoded, fromMemory, fromDisk);
        return new LoadedDataset(dataset, good.Select(i => files[i].Path).ToArray(), report);
    }
}

/// <summary>An image file and its class index.</summary>
internal readonly record struct LabeledFile(string Path, int Label);
