namespace FedActors.Data.Images;

/// <summary>Where a decoded image came from on this request.</summary>
public enum DecodeSource
{
    /// <summary>Read and decoded from the file now.</summary>
    Decoded,

    /// <summary>Already decoded earlier in this run (the in-memory cache).</summary>
    MemoryCache,

    /// <summary>Read from the on-disk cache of decoded images.</summary>
    DiskCache,
}

/// <summary>
/// One file's outcome: either <see cref="Pixels"/> (3 x R x R bytes, channels first, RGB) or <see cref="Error"/>,
/// a sentence saying why the file cannot be used.
/// </summary>
public sealed record DecodedImage(string Path, byte[]? Pixels, string? Error, DecodeSource Source)
{
    public bool Succeeded => Pixels is not null;
}
