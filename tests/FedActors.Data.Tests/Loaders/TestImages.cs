using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace FedActors.Data.Tests.Loaders;

/// <summary>Image fixtures written with ImageSharp's full default configuration (the decoder under test uses its own).</summary>
internal static class TestImages
{
    /// <summary>A noisy JPEG, so its scan data dominates the file and truncation cuts into it.</summary>
    public static string Jpeg(string path, int width = 64, int height = 48, int seed = 1)
    {
        var random = new Random(seed);
        using var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
                image[x, y] = new Rgb24((byte)random.Next(256), (byte)(x * 255 / width), (byte)(y * 255 / height));
        }
        image.Save(path, new JpegEncoder { Quality = 90 });
        return path;
    }

    public static string Png(string path, int width, int height, Func<int, int, Rgb24> colour)
    {
        using var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++) image[x, y] = colour(x, y);
        }
        image.SaveAsPng(path);
        return path;
    }

    public static readonly Rgb24 Red = new(255, 0, 0);
    public static readonly Rgb24 Green = new(0, 255, 0);
    public static readonly Rgb24 Blue = new(0, 0, 255);

    /// <summary>Three equal bands, red / green / blue, across the longer side.</summary>
    public static string Bands(string path, int width, int height)
    {
        var longer = Math.Max(width, height);
        return Png(path, width, height, (x, y) =>
        {
            var along = width >= height ? x : y;
            return along < longer / 3 ? Red : along < 2 * longer / 3 ? Green : Blue;
        });
    }

    /// <summary>A valid JPEG cut to 60% of its length: the cut lands in the scan data.</summary>
    public static string TruncatedJpeg(string path)
    {
        Jpeg(path, 96, 96);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length * 6 / 10)]);
        return path;
    }

    public static string TextNamedJpeg(string path)
    {
        File.WriteAllText(path, "this is not an image\n");
        return path;
    }

    public static string Gif(string path)
    {
        using var image = new Image<Rgb24>(16, 16);
        image.SaveAsGif(path);
        return path;
    }

    public static string Tiff(string path)
    {
        using var image = new Image<Rgb24>(16, 16);
        image.SaveAsTiff(path);
        return path;
    }

    public static string Empty(string path)
    {
        File.WriteAllBytes(path, []);
        return path;
    }
}
