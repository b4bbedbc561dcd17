using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FedActors.Core.Strategies;

/// <summary>
/// Coordinate-wise order statistics over n updates: the median, the trimmed mean, and Bulyan's mean of the values
/// closest to the median. Each is a selection among the n values of one coordinate, never a sort of a whole update.
/// <para>
/// Vectorised across coordinates: a block of <c>Vector&lt;float&gt;.Count x <see cref="Group"/></c> neighbouring
/// coordinates is loaded from every update (n vectors per lane group, in L1), put in order by a sorting network whose
/// compare-exchanges are vector min/max (no branch per value), and reduced. The network is Batcher's odd-even merge
/// sort for the next power of two, cut to n (a comparator that reaches past n would only meet +inf padding and do
/// nothing), then pruned backwards to the comparators that can affect the positions the statistic reads (the middle
/// for a median of 50: 330 of 403). Cost per coordinate O(n log² n) min/max, spread over the vector
/// lanes; memory traffic: each update read once, the result written once.
/// </para>
/// <para>
/// Determinism and rounding: every coordinate sees the same operations whatever its position, the thread, or whether it
/// falls in the scalar-sized tail (the tail is padded into a full block and runs the same code). Sums of the selected
/// values are taken in double in ascending order and rounded to float once, so they neither overflow nor lose more
/// than that last rounding (NumPy's float32 mean can differ by an ulp). Inputs must be finite (the engine's
/// <see cref="UpdateValidation"/> ensures it): with NaN the min/max network's order is undefined. A +0 and a -0 in one
/// coordinate may both come out as the same zero (hardware min/max): equal values, the sum is unaffected.
/// </para>
/// </summary>
public static class CoordinateSelection
{
    /// <summary>Vectors per lane group: four independent min/max per comparator hide their latency.</summary>
    private const int Group = 4;

    private static readonly ConcurrentDictionary<(int Count, int First, int Last), int[]> Networks = new();

    /// <summary>
    /// Per coordinate <c>i</c> of <c>[start, start + length)</c>: the median of <c>sources[k][i]</c> over every source,
    /// the mean of the two middle values when their number is even (as NumPy's median).
    /// </summary>
    public static void Median(ReadOnlySpan<float[]> sources, float[] destination, int start, int length) =>
        TrimmedMean(sources, (sources.Length - 1) / 2, destination, start, length);

    /// <summary>
    /// Per coordinate: the mean of the values left after removing the <paramref name="trim"/> smallest and the
    /// <paramref name="trim"/> largest (scipy's <c>trim_mean</c> with <c>trim = floor(proportion * n)</c>).
    /// </summary>
    public static void TrimmedMean(ReadOnlySpan<float[]> sources, int trim, float[] destination, int start, int length)
    {
        Check(sources, destination, start, length);
        var n = sources.Length;
        if (trim < 0 || 2 * trim >= n) throw new ArgumentOutOfRangeException(nameof(trim), $"trimming {trim} from each end of {n} values leaves none");
        var network = Network(n, trim, n - 1 - trim);
        Run(sources, destination, start, length, network, Statistic.MeanOfRange, trim, n - trim);
    }

    /// <summary>
    /// Per coordinate (Bulyan's second step): the mean of the <paramref name="keep"/> values closest to the median (the
    /// median as in <see cref="Median"/>). Sorted, those values are a contiguous window; of windows equally close in
    /// total distance, the lowest is taken.
    /// </summary>
    public static void MeanClosestToMedian(ReadOnlySpan<float[]> sources, int keep, float[] destination, int start, int length)
    {
        Check(sources, destination, start, length);
        var n = sources.Length;
        if (keep < 1 || keep > n) throw new ArgumentOutOfRangeException(nameof(keep), $"keeping {keep} of {n} values");
        var network = Network(n, 0, n - 1);
        Run(sources, destination, start, length, network, Statistic.MeanClosestToMedian, 0, keep);
    }

    /// <summary>
    /// The compare-exchanges, as (low, high) index pairs flattened, that sort positions <paramref name="first"/> to
    /// <paramref name="last"/> of <paramref name="count"/> values into place: after them, those positions hold what a
    /// full sort would put there. Public for tests.
    /// </summary>
    public static int[] Network(int count, int first, int last)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (first < 0 || last >= count || first > last) throw new ArgumentOutOfRangeException(nameof(first), "positions outside the values");
        return Networks.GetOrAdd((count, first, last), key => Build(key.Count, key.First, key.Last));
    }

    private static int[] Build(int count, int first, int last)
    {
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)count);
        // Batcher's odd-even merge sort for a power of two, keeping the comparators within count.
        var comparators = new List<(int Low, int High)>();
        for (var p = 1; p < size; p <<= 1)
        {
            for (var k = p; k >= 1; k >>= 1)
            {
                for (var j = k % p; j + k < size; j += 2 * k)
                {
                    for (var i = 0; i < k && i + j + k < size; i++)
                    {
                        if ((i + j) / (2 * p) == (i + j + k) / (2 * p) && i + j + k < count) comparators.Add((i + j, i + j + k));
                    }
                }
            }
        }
        // Backwards: keep what can reach a needed position; both inputs of a kept comparator become needed.
        var needed = new bool[count];
        for (var i = first; i <= last; i++) needed[i] = true;
        var kept = new List<(int Low, int High)>();
        for (var c = comparators.Count - 1; c >= 0; c--)
        {
            var (low, high) = comparators[c];
            if (!needed[low] && !needed[high]) continue;
            needed[low] = needed[high] = true;
            kept.Add((low, high));
        }
        kept.Reverse();
        return [.. kept.SelectMany(c => new[] { c.Low, c.High })];
    }

    private static void Check(ReadOnlySpan<float[]> sources, float[] destination, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (sources.IsEmpty) throw new ArgumentException("no values to select from", nameof(sources));
        if (start < 0 || length < 0 || start + length > destination.Length) throw new ArgumentOutOfRangeException(nameof(length));
        foreach (var source in sources)
        {
            if (source is null || source.Length < start + length) throw new ArgumentException("a source is shorter than the range", nameof(sources));
        }
    }

    /// <summary>What a lane group's sorted values reduce to: the mean of positions [a, b), or of the b closest to the median.</summary>
    private enum Statistic
    {
        MeanOfRange,
        MeanClosestToMedian,
    }

    private static void Run(
        ReadOnlySpan<float[]> sources, float[] destination, int start, int length, int[] network, Statistic statistic, int a, int b)
    {
        var n = sources.Length;
        var block = Vector<float>.Count * Group;
        // Lane group g's n values at [g * n, (g + 1) * n): each group is sorted, and read, in one piece.
        var values = new Vector<float>[n * Group];
        var end = start + length;
        var i = start;
        for (; i + block <= end; i += block) Block(sources, i, destination, i, values, network, statistic, a, b);
        if (i == end) return;
        // The tail, padded with zeros into one full block, through the same code.
        var rest = end - i;
        var padded = new float[n][];
        for (var k = 0; k < n; k++)
        {
            padded[k] = new float[block];
            Array.Copy(sources[k], i, padded[k], 0, rest);
        }
        var output = new float[block];
        Block(padded, 0, output, 0, values, network, statistic, a, b);
        Array.Copy(output, 0, destination, i, rest);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block(
        ReadOnlySpan<float[]> sources, int at, float[] destination, int to, Vector<float>[] values, int[] network, Statistic statistic, int a, int b)
    {
        var n = sources.Length;
        var width = Vector<float>.Count;
        ref var v = ref MemoryMarshal.GetArrayDataReference(values);
        for (var k = 0; k < n; k++)
        {
            ref var source = ref MemoryMarshal.GetArrayDataReference(sources[k]);
            for (var g = 0; g < Group; g++) Unsafe.Add(ref v, g * n + k) = Vector.LoadUnsafe(ref source, (nuint)(at + g * width));
        }
        ref var c = ref MemoryMarshal.GetArrayDataReference(network);
        for (var p = 0; p < network.Length; p += 2)
        {
            ref var low = ref Unsafe.Add(ref v, Unsafe.Add(ref c, p));
            ref var high = ref Unsafe.Add(ref v, Unsafe.Add(ref c, p + 1));
            for (var g = 0; g < Group; g++)
            {
                var x = Unsafe.Add(ref low, g * n);
                var y = Unsafe.Add(ref high, g * n);
                Unsafe.Add(ref low, g * n) = Vector.MinNative(x, y);
                Unsafe.Add(ref high, g * n) = Vector.MaxNative(x, y);
            }
        }
        ref var target = ref MemoryMarshal.GetArrayDataReference(destination);
        for (var g = 0; g < Group; g++)
        {
            ReadOnlySpan<Vector<float>> sorted = values.AsSpan(g * n, n);
            var result = statistic == Statistic.MeanOfRange ? MeanOfRange(sorted, a, b) : MeanOfClosestWindow(sorted, b);
            result.StoreUnsafe(ref target, (nuint)(to + g * width));
        }
    }

    /// <summary>The mean of sorted positions [from, to), summed in double in ascending order.</summary>
    private static Vector<float> MeanOfRange(ReadOnlySpan<Vector<float>> sorted, int from, int to)
    {
        Vector.Widen(sorted[from], out var low, out var high);
        for (var k = from + 1; k < to; k++)
        {
            Vector.Widen(sorted[k], out var l, out var h);
            low += l;
            high += h;
        }
        if (to - from > 1)
        {
            var count = new Vector<double>(to - from);
            low /= count;
            high /= count;
        }
        return Vector.Narrow(low, high);
    }

    /// <summary>
    /// The mean of the <paramref name="keep"/> sorted values closest to the median: of the windows
    /// <c>[a, a + keep)</c>, the one with the least total distance to the median (the lowest on ties). In double.
    /// </summary>
    private static Vector<float> MeanOfClosestWindow(ReadOnlySpan<Vector<float>> sorted, int keep)
    {
        var n = sorted.Length;
        Span<Vector<double>> low = n <= 128 ? stackalloc Vector<double>[n] : new Vector<double>[n];
        Span<Vector<double>> high = n <= 128 ? stackalloc Vector<double>[n] : new Vector<double>[n];
        for (var k = 0; k < n; k++) Vector.Widen(sorted[k], out low[k], out high[k]);
        return Vector.Narrow(ClosestWindow(low, keep), ClosestWindow(high, keep));
    }

    private static Vector<double> ClosestWindow(ReadOnlySpan<Vector<double>> sorted, int keep)
    {
        var n = sorted.Length;
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) * new Vector<double>(0.5);
        Vector<double> bestCost = default, bestSum = default;
        for (var a = 0; a + keep <= n; a++)
        {
            var cost = Vector.Abs(sorted[a] - median);
            var sum = sorted[a];
            for (var k = a + 1; k < a + keep; k++)
            {
                cost += Vector.Abs(sorted[k] - median);
                sum += sorted[k];
            }
            if (a == 0)
            {
                bestCost = cost;
                bestSum = sum;
                continue;
            }
            var better = Vector.LessThan(cost, bestCost);
            bestCost = Vector.ConditionalSelect(better, cost, bestCost);
            bestSum = Vector.ConditionalSelect(better, sum, bestSum);
        }
        return keep == 1 ? bestSum : bestSum / new Vector<double>(keep);
    }
}
