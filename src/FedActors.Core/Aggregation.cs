using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FedActors.Core;

/// <summary>Pure, vectorised arithmetic on weight buffers: the fold behind FedAvg.</summary>
public static class Aggregation
{
    /// <summary>
    /// Folds several weighted sources into one range of a sum in a single pass: per element,
    /// <c>s = started ? sum[i] : w0 * x0[i]</c>, then <c>s = s + wk * xk[i]</c> for every further source in order
    /// (multiply, then add: two roundings, as <see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/>),
    /// then <c>s / divisor</c> when <paramref name="divisor"/> is given, stored once. The partial sum stays in
    /// registers across all sources, so each source is read once and the sum written once: the pass moves
    /// the bytes a memory-bound fold must move, no more. The result of every element depends only on that
    /// element's values, so any split of a tensor into ranges (and any thread count) gives the same bits.
    /// </summary>
    /// <param name="sum">Written over <c>[start, start + length)</c>; read there first when <paramref name="started"/>.</param>
    /// <param name="started">Whether <paramref name="sum"/> already holds a partial sum; when not, it needs a source.</param>
    /// <param name="sources">Arrays at least <c>start + length</c> long, folded in this order.</param>
    /// <param name="weights">One weight per source.</param>
    /// <param name="divisor">Divides the final value (the total weight of a mean); null leaves the sum.</param>
    /// <param name="sumScale">
    /// Multiplies the partial sum as it is read (when <paramref name="started"/>): a power of two rescales it exactly,
    /// so that later sources can be folded in with smaller weights (<see cref="Strategies.FedAvgAccumulator"/>).
    /// </param>
    public static void FoldRange(
        float[] sum, int start, int length, bool started, ReadOnlySpan<float[]> sources, ReadOnlySpan<float> weights, float? divisor,
        float sumScale = 1f)
    {
        ArgumentNullException.ThrowIfNull(sum);
        if (sources.Length != weights.Length) throw new ArgumentException("one weight per source");
        if (!started && sources.IsEmpty) throw new ArgumentException("a sum that holds nothing yet needs a source");
        if ((uint)start > (uint)sum.Length || (uint)length > (uint)(sum.Length - start))
            throw new ArgumentOutOfRangeException(nameof(length), "the range lies outside the sum");
        foreach (var source in sources)
        {
            if (source is null || source.Length < start + length) throw new ArgumentException("a source is shorter than the range");
        }
        if (length == 0) return;

        var end = start + length;
        var i = start;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<float>.Count;
            // Four vectors at a time: enough independent adds to hide their latency behind the loads.
            for (; i <= end - 4 * width; i += 4 * width)
                FoldBlock(sum, (nuint)i, started, sources, weights, divisor, sumScale);
            for (; i <= end - width; i += width)
                FoldVector(sum, (nuint)i, started, sources, weights, divisor, sumScale);
        }
        for (; i < end; i++)
        {
            float s;
            var first = 0;
            if (started)
            {
                s = sumScale == 1f ? sum[i] : sum[i] * sumScale;
            }
            else
            {
                s = sources[0][i] * weights[0];
                first = 1;
            }
            for (var k = first; k < sources.Length; k++) s += sources[k][i] * weights[k];
            sum[i] = divisor is { } d ? s / d : s;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FoldBlock(
        float[] sum, nuint i, bool started, ReadOnlySpan<float[]> sources, ReadOnlySpan<float> weights, float? divisor, float sumScale)
    {
        var width = (nuint)Vector<float>.Count;
        ref var target = ref MemoryMarshal.GetArrayDataReference(sum);
        Vector<float> a0, a1, a2, a3;
        var first = 0;
        if (started)
        {
            a0 = Vector.LoadUnsafe(ref target, i);
            a1 = Vector.LoadUnsafe(ref target, i + width);
            a2 = Vector.LoadUnsafe(ref target, i + 2 * width);
            a3 = Vector.LoadUnsafe(ref target, i + 3 * width);
            if (sumScale != 1f)
            {
                var scale = new Vector<float>(sumScale);
                a0 *= scale;
                a1 *= scale;
                a2 *= scale;
                a3 *= scale;
            }
        }
        else
        {
            ref var x = ref MemoryMarshal.GetArrayDataReference(sources[0]);
            var w = new Vector<float>(weights[0]);
            a0 = Vector.LoadUnsafe(ref x, i) * w;
            a1 = Vector.LoadUnsafe(ref x, i + width) * w;
            a2 = Vector.LoadUnsafe(ref x, i + 2 * width) * w;
            a3 = Vector.LoadUnsafe(ref x, i + 3 * width) * w;
            first = 1;
        }
        for (var k = first; k < sources.Length; k++)
        {
            ref var x = ref MemoryMarshal.GetArrayDataReference(sources[k]);
            var w = new Vector<float>(weights[k]);
            a0 += Vector.LoadUnsafe(ref x, i) * w;
            a1 += Vector.LoadUnsafe(ref x, i + width) * w;
            a2 += Vector.LoadUnsafe(ref x, i + 2 * width) * w;
            a3 += Vector.LoadUnsafe(ref x, i + 3 * width) * w;
        }
        if (divisor is { } d)
        {
            var dv = new Vector<float>(d);
            a0 /= dv;
            a1 /= dv;
            a2 /= dv;
            a3 /= dv;
        }
        a0.StoreUnsafe(ref target, i);
        a1.StoreUnsafe(ref target, i + width);
        a2.StoreUnsafe(ref target, i + 2 * width);
        a3.StoreUnsafe(ref target, i + 3 * width);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FoldVector(
        float[] sum, nuint i, bool started, ReadOnlySpan<float[]> sources, ReadOnlySpan<float> weights, float? divisor, float sumScale)
    {
        ref var target = ref MemoryMarshal.GetArrayDataReference(sum);
        Vector<float> a;
        var first = 0;
        if (started)
        {
            a = Vector.LoadUnsafe(ref target, i);
            if (sumScale != 1f) a *= new Vector<float>(sumScale);
        }
        else
        {
            a = Vector.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(sources[0]), i) * new Vector<float>(weights[0]);
            first = 1;
        }
        for (var k = first; k < sources.Length; k++)
            a += Vector.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(sources[k]), i) * new Vector<float>(weights[k]);
        if (divisor is { } d) a /= new Vector<float>(d);
        a.StoreUnsafe(ref target, i);
    }
}
