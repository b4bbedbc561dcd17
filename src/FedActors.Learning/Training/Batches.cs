using FedActors.Data;
using static TorchSharp.torch;

namespace FedActors.Learning.Training;

/// <summary>Index batches over a dataset and their pixel/label tensors on a device.</summary>
internal static class Batches
{
    /// <summary>
    /// A random order of 0..count−1 cut into batches. With <paramref name="dropLast"/>, a trailing partial batch
    /// is dropped when there is at least one full batch (SimCLR's negatives shrink with the batch); otherwise
    /// a trailing batch of one image is folded into the previous one (BatchNorm cannot train on one image).
    /// </summary>
    public static List<int[]> Shuffled(int count, int batchSize, Random random, bool dropLast)
    {
        var order = Enumerable.Range(0, count).ToArray();
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return Cut(order, batchSize, dropLast);
    }

    /// <summary>0..count−1 in order, in batches (evaluation).</summary>
    public static List<int[]> Sequential(int count, int batchSize)
    {
        var batches = new List<int[]>();
        for (var start = 0; start < count; start += batchSize)
            batches.Add(Enumerable.Range(start, Math.Min(batchSize, count - start)).ToArray());
        return batches;
    }

    /// <summary>The images at <paramref name="indices"/> as uint8 [B, C, H, W] on <paramref name="device"/>.</summary>
    public static Tensor Images(ImageDataset data, int[] indices, Device device)
    {
        var size = data.ImageSize;
        var pixels = new byte[(long)indices.Length * size];
        for (var i = 0; i < indices.Length; i++)
            data.Image(indices[i]).CopyTo(pixels.AsSpan(i * size, size));
        using var cpu = tensor(pixels, [indices.Length, data.Channels, data.Height, data.Width]);
        return cpu.to(device);
    }

    /// <summary>
    /// The labels at <paramref name="indices"/> as int64 [B] on <paramref name="device"/>; with <paramref name="flip"/> each
    /// class c becomes C − 1 − c (a simulated label-flipping attacker).
    /// </summary>
    public static Tensor Labels(ImageDataset data, int[] indices, Device device, bool flip = false)
    {
        var labels = new long[indices.Length];
        for (var i = 0; i < indices.Length; i++) labels[i] = flip ? data.NumClasses - 1 - data.Labels[indices[i]] : data.Labels[indices[i]];
        using var cpu = tensor(labels);
        return cpu.to(device);
    }

    private static List<int[]> Cut(int[] order, int batchSize, bool dropLast)
    {
        var batches = new List<int[]>();
        for (var start = 0; start < order.Length; start += batchSize)
            batches.Add(order[start..Math.Min(order.Length, start + batchSize)]);
        if (batches.Count > 1 && batches[^1].Length < batchSize)
        {
            if (dropLast) batches.RemoveAt(batches.Count - 1);
            else if (batches[^1].Length == 1)
            {
                batches[^2] = [.. batches[^2], .. batches[^1]];
                batches.RemoveAt(batches.Count - 1);
            }
        }
        return batches;
    }
}
