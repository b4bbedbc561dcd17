namespace FedActors.Data;

/// <summary>
/// Images held in memory as uint8, laid out N x C x H x W (channels first, RGB), with one integer label
/// per image. Every loader (synthetic, ImageFolder, Flowers102, Intel scene) produces one of these at
/// the configured resolution; training reads from it without touching disk again.
/// Immutable: <see cref="Subset"/> copies the chosen images.
/// </summary>
public sealed class ImageDataset
{
    public ImageDataset(string name, IReadOnlyList<string> classNames, int channels, int height, int width, byte[] pixels, int[] labels)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"dataset '{name}': image size {channels}x{height}x{width} is not positive");
        var imageSize = channels * height * width;
        if ((long)labels.Length * imageSize != pixels.LongLength)
            throw new ArgumentException(
                $"dataset '{name}': {labels.Length} labels need {(long)labels.Length * imageSize} pixel bytes, got {pixels.LongLength}");
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classNames.Count)
                throw new ArgumentException($"dataset '{name}': label {labels[i]} of image {i} is outside 0..{classNames.Count - 1}");
        }
        Name = name;
        ClassNames = classNames;
        Channels = channels;
        Height = height;
        Width = width;
        Pixels = pixels;
        Labels = labels;
    }

    public string Name { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int NumClasses => ClassNames.Count;
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int ImageSize => Channels * Height * Width;
    public int Count => Labels.Length;

    /// <summary>N x C x H x W bytes. Do not mutate.</summary>
    public byte[] Pixels { get; }

    /// <summary>One class index per image. Do not mutate.</summary>
    public int[] Labels { get; }

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * ImageSize, ImageSize);

    /// <summary>The images at <paramref name="indices"/>, in that order.</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var pixels = new byte[(long)indices.Count * ImageSize];
        var labels = new int[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * ImageSize, ImageSize));
            labels[i] = Labels[indices[i]];
        }
        return new ImageDataset(name ?? Name, ClassNames, Channels, Height, Width, pixels, labels);
    }

    /// <summary>Several datasets of one label space and size, stacked (e.g. pooling clients for the centralized baseline).</summary>
    public static ImageDataset Concat(string name, IReadOnlyList<ImageDataset> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("nothing to concatenate", nameof(parts));
        var first = parts[0];
        foreach (var p in parts)
        {
            if (p.ImageSize != first.ImageSize || p.Height != first.Height || p.NumClasses != first.NumClasses)
                throw new ArgumentException($"dataset '{p.Name}' does not match '{first.Name}' in image size or classes");
        }
        var pixels = new byte[parts.Sum(p => p.Pixels.LongLength)];
        var labels = new int[parts.Sum(p => p.Count)];
        long offset = 0;
        var n = 0;
        foreach (var p in parts)
        {
            Array.Copy(p.Pixels, 0, pixels, offset, p.Pixels.LongLength);
            Array.Copy(p.Labels, 0, labels, n, p.Count);
            offset += p.Pixels.LongLength;
            n += p.Count;
        }
        return new ImageDataset(name, first.ClassNames, first.Channels, first.Height, first.Width, pixels, labels);
    }
}
