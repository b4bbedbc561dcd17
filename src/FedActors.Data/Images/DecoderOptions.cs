namespace FedActors.Data.Images;

/// <summary>How an <see cref="ImageDecoder"/> reads files. Resolution and bad-file policy belong to the loaders.</summary>
public sealed record DecoderOptions
{
    /// <summary>
    /// Images whose width x height exceeds this are rejected before decoding: a 40-megapixel RGB image
    /// already takes 120 MB while it is resized.
    /// </summary>
    public long MaxPixels { get; init; } = 40_000_000;

    /// <summary>How many files are decoded at once. Each decode runs single-threaded inside ImageSharp.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Keep every decoded image (and every failure) in memory for the life of the decoder, so a file is
    /// decoded once per run however many loaders ask for it. Costs 3 x resolution² bytes per image.
    /// </summary>
    public bool CacheInMemory { get; init; } = true;

    /// <summary>
    /// Folder for decoded images keyed by SHA-256 of the file bytes and the resolution; null for none.
    /// Survives runs: a second run reads the small decoded tiles instead of decoding again.
    /// </summary>
    public string? DiskCacheDirectory { get; init; }

    internal void Validate()
    {
        if (MaxPixels <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxPixels), MaxPixels, "must be positive");
        if (MaxDegreeOfParallelism <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "must be positive");
    }
}
