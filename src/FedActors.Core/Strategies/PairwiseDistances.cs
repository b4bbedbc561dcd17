using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FedActors.Core.Strategies;

/// <summary>
/// The squared Euclidean distances between every pair of n updates, computed once per round for Krum, MultiKrum and
/// Bulyan: n(n-1)/2 distances, each over the same tensors of both updates.
/// <para>
/// Cache-blocked: the updates are cut into ranges of <see cref="Chunks.Length"/> floats that run in parallel, and each
/// range into blocks of <see cref="Block"/> floats. A block of every update (n x 4 KiB: 200 KiB for 50 updates) stays
/// in L2 while all pairs are computed over it, so each update is read from memory once, not n - 1 times; the work is
/// then the arithmetic, n(n-1)/2 x model subtract-multiply-adds in SIMD. Within a block the squares are summed in float
/// (1024 terms per pair); block sums are added in double, in block order; ranges keep their own partial sums and are
/// added in range order at the end, so the result does not depend on the number of threads.
/// </para>
/// </summary>
public static class PairwiseDistances
{
    /// <summary>Floats per block: a block of every update stays in L2 while every pair is computed over it.</summary>
    public const int Block = 1024;

    /// <summary>
    /// <c>d[i * n + j]</c> = the squared distance between update i and update j over all their tensors; 0 on the
    /// diagonal, symmetric. <paramref name="updates"/>[i][t] is update i's tensor t; every update has the same tensors,
    /// of the same lengths, in the same order.
    /// </summary>
    public static double[] Compute(IReadOnlyList<float[][]> updates, int? maxThreads = null)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var n = updates.Count;
        var distances = new double[n * n];
        if (n < 2) return distances;
        var tensors = updates[0].Length;
        foreach (var update in updates)
        {
            if (update.Length != tensors) throw new ArgumentException("every update must have the same tensors", nameof(updates));
            for (var t = 0; t < tensors; t++)
            {
                if (update[t].Length != updates[0][t].Length) throw new ArgumentException($"tensor {t} differs in length between updates", nameof(updates));
            }
        }
        var pairs = n * (n - 1) / 2;
        var ranges = Chunks.Split(Enumerable.Range(0, tensors), t => updates[0][t].Length);
        var partial = new double[ranges.Count * pairs];
        Chunks.RunIndexed(ranges, maxThreads, (index, tensor, start, length) =>
        {
            var sources = new float[n][];
            for (var i = 0; i < n; i++) sources[i] = updates[i][tensor];
            var sums = partial.AsSpan(index * pairs, pairs);
            for (var block = start; block < start + length; block += Block)
                AddBlock(sources, block, Math.Min(Block, start + length - block), sums);
        });
        for (var r = 0; r < ranges.Count; r++)
        {
            var p = r * pairs;
            for (var i = 0; i < n; i++)
            {
                for (var j = i + 1; j < n; j++) distances[i * n + j] += partial[p++];
            }
        }
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++) distances[j * n + i] = distances[i * n + j];
        }
        return distances;
    }

    /// <summary>Adds, for every pair i &lt; j in row order, the sum of squared differences over one block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddBlock(float[][] sources, int start, int length, Span<double> sums)
    {
        var n = sources.Length;
        var p = 0;
        for (var i = 0; i < n; i++)
        {
            var a = sources[i];
            var j = i + 1;
            // Four partners at a time: the row vector is loaded once for four independent sums.
            for (; j + 4 <= n; j += 4)
            {
                var (s0, s1, s2, s3) = Squares4(a, sources[j], sources[j + 1], sources[j + 2], sources[j + 3], start, length);
                sums[p++] += s0;
                sums[p++] += s1;
                sums[p++] += s2;
                sums[p++] += s3;
            }
            for (; j < n; j++) sums[p++] += Squares(a, sources[j], start, length);
        }
    }

    private static (float, float, float, float) Squares4(float[] a, float[] b0, float[] b1, float[] b2, float[] b3, int start, int length)
    {
        ref var ra = ref MemoryMarshal.GetArrayDataReference(a);
        ref var r0 = ref MemoryMarshal.GetArrayDataReference(b0);
        ref var r1 = ref MemoryMarshal.GetArrayDataReference(b1);
        ref var r2 = ref MemoryMarshal.GetArrayDataReference(b2);
        ref var r3 = ref MemoryMarshal.GetArrayDataReference(b3);
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        var width = Vector<float>.Count;
        var i = start;
        var end = start + length;
        for (; i + width <= end; i += width)
        {
            var x = Vector.LoadUnsafe(ref ra, (nuint)i);
            var d0 = x - Vector.LoadUnsafe(ref r0, (nuint)i);
            var d1 = x - Vector.LoadUnsafe(ref r1, (nuint)i);
            var d2 = x - Vector.LoadUnsafe(ref r2, (nuint)i);
            var d3 = x - Vector.LoadUnsafe(ref r3, (nuint)i);
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        float t0 = Vector.Sum(s0), t1 = Vector.Sum(s1), t2 = Vector.Sum(s2), t3 = Vector.Sum(s3);
        for (; i < end; i++)
        {
            var x = a[i];
            t0 += (x - b0[i]) * (x - b0[i]);
            t1 += (x - b1[i]) * (x - b1[i]);
            t2 += (x - b2[i]) * (x - b2[i]);
            t3 += (x - b3[i]) * (x - b3[i]);
        }
        return (t0, t1, t2, t3);
    }

    private static float Squares(float[] a, float[] b, int start, int length)
    {
        ref var ra = ref MemoryMarshal.GetArrayDataReference(a);
        ref var rb = ref MemoryMarshal.GetArrayDataReference(b);
        Vector<float> s = default;
        var width = Vector<float>.Count;
        var i = start;
        var end = start + length;
        for (; i + width <= end; i += width)
        {
            var d = Vector.LoadUnsafe(ref ra, (nuint)i) - Vector.LoadUnsafe(ref rb, (nuint)i);
            s += d * d;
        }
        var total = Vector.Sum(s);
        for (; i < end; i++) total += (a[i] - b[i]) * (a[i] - b[i]);
        return total;
    }
}
