using System.Collections.Concurrent;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FedActors.Data.Images;

/// <summary>
/// Turns image files into R x R RGB tiles (channels first, uint8): shorter side resized to R, then the
/// centre cropped. One instance lives for a run and is shared by every loader, so each file is read and
/// decoded once per run (see <see cref="DecoderOptions.CacheInMemory"/>). Thread-safe.
/// A file that cannot be used never throws here; it comes back with <see cref="DecodedImage.Error"/> set,
/// and the loader applies the bad-file policy.
/// </summary>
public sealed class ImageDecoder
{
    private readonly DecoderOptions _options;
    private readonly Configuration _configuration;
    private readonly DiskImageCache? _disk;
    private readonly ConcurrentDictionary<(string Path, int Resolution), Lazy<DecodedImage>> _memory = new();
    private long _decoded;
    private long _memoryHits;
    private long _diskHits;

    public ImageDecoder(DecoderOptions? options = null)
    {
        _options = options ?? new DecoderOptions();
        _options.Validate();
        _configuration = CreateConfiguration();
        _disk = _options.DiskCacheDirectory is null ? null : new DiskImageCache(_options.DiskCacheDirectory);
    }

    public DecoderOptions Options => _options;

    /// <summary>Files read and decoded (or found bad) so far, neither cache having them.</summary>
    public long DecodedCount => Interlocked.Read(ref _decoded);

    public long MemoryCacheHits => Interlocked.Read(ref _memoryHits);

    public long DiskCacheHits => Interlocked.Read(ref _diskHits);

    /// <summary>
    /// JPEG and PNG only: every other format ImageSharp knows stays out, which keeps the attack surface and
    /// the behaviour on odd files small. Metadata (EXIF, ICC, XMP) is not read. Parallelism comes from
    /// decoding many files at once, so each decode is single-threaded.
    /// </summary>
    private static Configuration CreateConfiguration()
    {
        var configuration = new Configuration(new JpegConfigurationModule(), new PngConfigurationModule())
        {
            MaxDegreeOfParallelism = 1,
        };
        configuration.ImageFormatsManager.SetDecoder(JpegFormat.Instance, new JpegDecoder { IgnoreMetadata = true });
        configuration.ImageFormatsManager.SetDecoder(PngFormat.Instance, new PngDecoder { IgnoreMetadata = true });
        return configuration;
    }

    public DecodedImage Decode(string path, int resolution)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, 1);
        var fullPath = Path.GetFullPath(path);
        if (!_options.CacheInMemory) return Produce(fullPath, resolution);

        var mine = new Lazy<DecodedImage>(() => Produce(fullPath, resolution), LazyThreadSafetyMode.ExecutionAndPublication);
        var stored = _memory.GetOrAdd((fullPath, resolution), mine);
        var result = stored.Value;
        if (ReferenceEquals(stored, mine)) return result;
        Interlocked.Increment(ref _memoryHits);
        return result with { Source = DecodeSource.MemoryCache };
    }

    /// <summary>Decodes every path, <see cref="DecoderOptions.MaxDegreeOfParallelism"/> at a time; results in input order.</summary>
    public IReadOnlyList<DecodedImage> DecodeAll(IReadOnlyList<string> paths, int resolution, CancellationToken cancellationToken = default)
    {
        var results = DecodeAll(paths, resolution, stopAtFirstError: false, cancellationToken);
        return Array.ConvertAll(results, r => r!);
    }

    /// <summary>
    /// With <paramref name="stopAtFirstError"/>, no new file is started once one has failed (the load will
    /// fail anyway), and the entries never started stay null.
    /// </summary>
    internal DecodedImage?[] DecodeAll(IReadOnlyList<string> paths, int resolution, bool stopAtFirstError, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var results = new DecodedImage?[paths.Count];
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism,
            CancellationToken = cancellationToken,
        };
        Parallel.For(0, paths.Count, parallel, (i, loop) =>
        {
            var result = Decode(paths[i], resolution);
            results[i] = result;
            if (stopAtFirstError && !result.Succeeded) loop.Stop();
        });
        return results;
    }

    private DecodedImage Produce(string path, int resolution)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Failed(path, "file not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Failed(path, $"cannot read the file: {e.Message}");
        }

        var problem = ImageIntegrity.FindProblem(bytes);
        if (problem is not null) return Failed(path, problem);

        string? key = null;
        if (_disk is not null)
        {
            key = DiskImageCache.Key(bytes);
            var cached = _disk.TryRead(key, resolution);
            if (cached is not null)
            {
                Interlocked.Increment(ref _diskHits);
                return new DecodedImage(path, cached, null, DecodeSource.DiskCache);
            }
        }

        Interlocked.Increment(ref _decoded);
        byte[] pixels;
        try
        {
            var info = Image.Identify(_configuration, bytes, out _);
            if (info is null) return new DecodedImage(path, null, "not a JPEG or PNG image", DecodeSource.Decoded);
            var pixelCount = (long)info.Width * info.Height;
            if (pixelCount > _options.MaxPixels)
            {
                return new DecodedImage(path, null,
                    $"image is {info.Width}x{info.Height} = {pixelCount} pixels, more than the limit of {_options.MaxPixels}",
                    DecodeSource.Decoded);
            }
            pixels = DecodeAndFit(bytes, resolution);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            // ImageSharp reports corrupt content with several exception types; each is a bad file, not a bug here.
            return new DecodedImage(path, null, $"cannot decode: {e.Message.Trim()}", DecodeSource.Decoded);
        }

        if (key is not null) _disk!.Write(key, resolution, pixels);
        return new DecodedImage(path, pixels, null, DecodeSource.Decoded);
    }

    private DecodedImage Failed(string path, string reason)
    {
        Interlocked.Increment(ref _decoded);
        return new DecodedImage(path, null, reason, DecodeSource.Decoded);
    }

    private byte[] DecodeAndFit(byte[] bytes, int resolution)
    {
        using var image = Image.Load<Rgb24>(_configuration, bytes);
        // Crop mode scales so the image covers R x R (shorter side = R) and cuts the centre out, in one pass.
        image.Mutate(context => context.Resize(new ResizeOptions
        {
            Size = new Size(resolution, resolution),
            Mode = ResizeMode.Crop,
            Position = AnchorPositionMode.Center,
            Sampler = KnownResamplers.Triangle,
        }));
        System.Diagnostics.Debug.Assert(image.Width == resolution && image.Height == resolution);

        var plane = resolution * resolution;
        var chw = new byte[3 * plane];
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                var offset = y * resolution;
                for (var x = 0; x < row.Length; x++)
                {
                    chw[offset + x] = row[x].R;
                    chw[plane + offset + x] = row[x].G;
                    chw[2 * plane + offset + x] = row[x].B;
                }
            }
        });
        return chw;
    }
}
