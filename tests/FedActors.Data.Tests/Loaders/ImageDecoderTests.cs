using FedActors.Data.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace FedActors.Data.Tests.Loaders;

public sealed class ImageDecoderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static DecodedImage Decode(string path, int resolution, DecoderOptions? options = null) =>
        new ImageDecoder(options).Decode(path, resolution);

    [Theory]
    [InlineData(300, 200, 32)]
    [InlineData(200, 300, 32)]
    [InlineData(40, 30, 64)]
    [InlineData(64, 64, 64)]
    public void Decode_must_produce_a_square_tile_at_the_resolution(int width, int height, int resolution)
    {
        var path = TestImages.Jpeg(_temp.File("a.jpg"), width, height);

        var image = Decode(path, resolution);

        Assert.True(image.Succeeded, image.Error);
        Assert.Equal(3 * resolution * resolution, image.Pixels!.Length);
        Assert.Equal(DecodeSource.Decoded, image.Source);
    }

    [Theory]
    [InlineData(300, 100)]
    [InlineData(100, 300)]
    public void Decode_must_resize_the_shorter_side_and_keep_the_centre(int width, int height)
    {
        // Red | green | blue thirds along the longer side: shorter side -> 30 makes the longer 90, whose middle 30 is green.
        var path = TestImages.Bands(_temp.File("bands.png"), width, height);
        const int r = 30;

        var chw = Decode(path, r).Pixels!;

        var plane = r * r;
        for (var y = 2; y < r - 2; y++)
        {
            for (var x = 2; x < r - 2; x++)
            {
                var i = y * r + x;
                Assert.True(chw[i] < 8 && chw[plane + i] > 247 && chw[2 * plane + i] < 8, $"pixel ({x},{y}) is not green");
            }
        }
    }

    [Fact]
    public void Decode_must_lay_out_channels_first_in_rgb_order()
    {
        var path = TestImages.Png(_temp.File("solid.png"), 50, 40, (_, _) => new Rgb24(10, 128, 250));

        var chw = Decode(path, 16).Pixels!;

        Assert.All(chw[..256], v => Assert.InRange(v, 9, 11));
        Assert.All(chw[256..512], v => Assert.InRange(v, 127, 129));
        Assert.All(chw[512..], v => Assert.InRange(v, 249, 251));
    }

    [Fact]
    public void Decode_must_turn_greyscale_into_three_equal_channels()
    {
        var path = _temp.File("grey.jpg");
        using (var grey = new Image<L8>(20, 20, new L8(200))) grey.Save(path, new JpegEncoder { ColorType = JpegColorType.Luminance });

        var chw = Decode(path, 8).Pixels!;

        Assert.All(chw, v => Assert.InRange(v, 195, 205));
    }

    public static TheoryData<string, string> BadFiles() => new()
    {
        { "truncated-jpeg", "truncated JPEG" },
        { "text-named-jpg", "not a JPEG or PNG" },
        { "gif", "GIF images are not supported" },
        { "tiff", "TIFF images are not supported" },
        { "empty", "empty" },
        { "truncated-png", "truncated PNG" },
        { "absent", "file not found" },
    };

    internal static string CreateBadFile(string kind, string folder) => kind switch
    {
        "truncated-jpeg" => TestImages.TruncatedJpeg(Path.Combine(folder, "truncated.jpg")),
        "text-named-jpg" => TestImages.TextNamedJpeg(Path.Combine(folder, "text.jpg")),
        "gif" => TestImages.Gif(Path.Combine(folder, "animation.gif")),
        "tiff" => TestImages.Tiff(Path.Combine(folder, "scan.tif")),
        "empty" => TestImages.Empty(Path.Combine(folder, "empty.jpg")),
        "truncated-png" => TruncatedPng(Path.Combine(folder, "cut.png")),
        "absent" => Path.Combine(folder, "absent.jpg"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static string TruncatedPng(string path)
    {
        TestImages.Png(path, 32, 32, (x, y) => new Rgb24((byte)(x * 8), (byte)(y * 8), 0));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^20]);
        return path;
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Decode_must_report_bad_files_with_a_reason_and_no_pixels(string kind, string reason)
    {
        var path = CreateBadFile(kind, _temp.Path);

        var image = Decode(path, 16);

        Assert.False(image.Succeeded);
        Assert.Null(image.Pixels);
        Assert.Contains(reason, image.Error, StringComparison.Ordinal);
        Assert.Equal(Path.GetFullPath(path), image.Path);
    }

    [Fact]
    public void Decode_must_accept_bytes_after_the_end_of_image_marker()
    {
        var path = TestImages.Jpeg(_temp.File("trailer.jpg"));
        File.AppendAllText(path, "trailing bytes some cameras add");

        Assert.True(Decode(path, 16).Succeeded);
    }

    [Fact]
    public void Decode_must_reject_images_above_the_pixel_limit_before_decoding()
    {
        var path = TestImages.Jpeg(_temp.File("big.jpg"), 40, 30);

        var image = Decode(path, 16, new DecoderOptions { MaxPixels = 1199 });

        Assert.False(image.Succeeded);
        Assert.Contains("40x30 = 1200 pixels", image.Error, StringComparison.Ordinal);
        Assert.Contains("limit of 1199", image.Error, StringComparison.Ordinal);
        Assert.True(Decode(path, 16, new DecoderOptions { MaxPixels = 1200 }).Succeeded);
    }

    [Fact]
    public void Decode_must_decode_each_file_once_per_decoder()
    {
        var good = TestImages.Jpeg(_temp.File("a.jpg"));
        var bad = TestImages.TextNamedJpeg(_temp.File("b.jpg"));
        var decoder = new ImageDecoder();

        var first = decoder.Decode(good, 16);
        var second = decoder.Decode(Path.Combine(_temp.Path, ".", "a.jpg"), 16);
        decoder.Decode(bad, 16);
        var badAgain = decoder.Decode(bad, 16);

        Assert.Equal(2, decoder.DecodedCount);
        Assert.Equal(2, decoder.MemoryCacheHits);
        Assert.Equal(DecodeSource.MemoryCache, second.Source);
        Assert.Same(first.Pixels, second.Pixels);
        Assert.False(badAgain.Succeeded);
        // Another resolution is another image.
        decoder.Decode(good, 8);
        Assert.Equal(3, decoder.DecodedCount);
    }

    [Fact]
    public void Decode_must_decode_again_when_the_memory_cache_is_off()
    {
        var good = TestImages.Jpeg(_temp.File("a.jpg"));
        var decoder = new ImageDecoder(new DecoderOptions { CacheInMemory = false });

        decoder.Decode(good, 16);
        decoder.Decode(good, 16);

        Assert.Equal(2, decoder.DecodedCount);
        Assert.Equal(0, decoder.MemoryCacheHits);
    }

    [Fact]
    public void Decode_must_reuse_the_disk_cache_by_content_across_decoders_and_paths()
    {
        var cache = _temp.Folder("cache");
        var original = TestImages.Jpeg(_temp.File("a.jpg"), 50, 40);
        var copy = _temp.File("elsewhere", "renamed.jpg");
        File.Copy(original, copy);
        var options = new DecoderOptions { DiskCacheDirectory = cache };

        var first = new ImageDecoder(options);
        var decoded = first.Decode(original, 16);
        var second = new ImageDecoder(options);
        var cached = second.Decode(copy, 16);

        Assert.Equal(1, first.DecodedCount);
        Assert.Equal(0, second.DecodedCount);
        Assert.Equal(1, second.DiskCacheHits);
        Assert.Equal(DecodeSource.DiskCache, cached.Source);
        Assert.Equal(decoded.Pixels, cached.Pixels);
        // The key is content + resolution: another resolution, or changed bytes, decode again.
        second.Decode(copy, 8);
        TestImages.Jpeg(copy, 50, 40, seed: 2);
        var third = new ImageDecoder(options);
        third.Decode(copy, 16);
        Assert.Equal(1, second.DecodedCount);
        Assert.Equal(1, third.DecodedCount);
        Assert.Equal(3, Directory.GetFiles(cache, "*.chw", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public void DecodeAll_must_give_the_same_pixels_in_input_order_at_any_parallelism()
    {
        var paths = Enumerable.Range(0, 12).Select(i => TestImages.Jpeg(_temp.File($"{i}.jpg"), 40 + i, 30, seed: i)).ToArray();

        var serial = new ImageDecoder(new DecoderOptions { MaxDegreeOfParallelism = 1 }).DecodeAll(paths, 16);
        var parallel = new ImageDecoder(new DecoderOptions { MaxDegreeOfParallelism = 4 }).DecodeAll(paths, 16);

        Assert.Equal(paths.Select(Path.GetFullPath), parallel.Select(r => r.Path));
        for (var i = 0; i < paths.Length; i++) Assert.Equal(serial[i].Pixels, parallel[i].Pixels);
        Assert.Equal(12, serial.Select(r => Convert.ToHexString(r.Pixels!)).Distinct().Count());
    }

    [Fact]
    public void Options_must_reject_non_positive_limits()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDecoder(new DecoderOptions { MaxPixels = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDecoder(new DecoderOptions { MaxDegreeOfParallelism = 0 }));
    }
}
