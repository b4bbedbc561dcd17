namespace FedActors.Data.Loaders;

/// <summary>What a loader does with a file it cannot use (config key <c>data.on-bad-file</c>).</summary>
public enum OnBadFile
{
    /// <summary>Stop with a <see cref="DatasetException"/> naming the file. The default.</summary>
    Fail,

    /// <summary>Leave the file out and list it, with the reason, in <see cref="LoadReport.SkippedBad"/>.</summary>
    Skip,
}

/// <summary>Settings every loader shares.</summary>
public sealed record LoaderOptions
{
    public LoaderOptions(int resolution, OnBadFile onBadFile = OnBadFile.Fail)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(resolution, 4096);
        Resolution = resolution;
        OnBadFile = onBadFile;
    }

    /// <summary>Side of the square images produced (shorter side resized to this, centre cropped).</summary>
    public int Resolution { get; }

    public OnBadFile OnBadFile { get; }
}
