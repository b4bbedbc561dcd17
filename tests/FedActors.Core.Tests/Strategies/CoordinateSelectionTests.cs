using System.Numerics;
using FedActors.Core.Strategies;

namespace FedActors.Core.Tests.Strategies;

public sealed class CoordinateSelectionTests
{
    private static void Apply(int[] network, float[] values)
    {
        for (var p = 0; p < network.Length; p += 2)
        {
            var (low, high) = (network[p], network[p + 1]);
            if (values[low] > values[high]) (values[low], values[high]) = (values[high], values[low]);
        }
    }

    [Fact]
    public void Network_must_sort_every_zero_one_input_up_to_fourteen_values()
    {
        // The 0-1 principle: a comparator network that sorts every 0/1 input sorts every input.
        for (var n = 1; n <= 14; n++)
        {
            var network = CoordinateSelection.Network(n, 0, n - 1);
            for (var bits = 0; bits < 1 << n; bits++)
            {
                var values = Enumerable.Range(0, n).Select(i => (float)((bits >> i) & 1)).ToArray();
                Apply(network, values);
                for (var i = 1; i < n; i++) Assert.True(values[i - 1] <= values[i], $"n = {n}, input {bits}");
            }
        }
    }

    [Fact]
    public void Pruned_networks_must_put_the_needed_positions_in_place_and_be_smaller()
    {
        var random = new Random(1);
        foreach (var n in new[] { 3, 10, 17, 33, 50, 64, 100 })
        {
            var full = CoordinateSelection.Network(n, 0, n - 1);
            var (first, last) = ((n - 1) / 2, n / 2);
            var median = CoordinateSelection.Network(n, first, last);
            if (n >= 10) Assert.True(median.Length < full.Length, $"n = {n}: {median.Length} comparators, full {full.Length}");
            for (var trial = 0; trial < 200; trial++)
            {
                var values = Enumerable.Range(0, n).Select(_ => (float)random.Next(-5, 6)).ToArray();
                var sorted = values.Order().ToArray();
                var all = (float[])values.Clone();
                Apply(full, all);
                Assert.Equal(sorted, all);
                Apply(median, values);
                for (var i = first; i <= last; i++) Assert.Equal(sorted[i], values[i]);
            }
        }
    }

    /// <summary>The definition, per coordinate: sort, take positions [from, to), sum in double ascending, divide, round once.</summary>
    private static float ReferenceMean(float[][] sources, int i, int from, int to)
    {
        var sorted = sources.Select(s => s[i]).Order().ToArray();
        var sum = 0.0;
        for (var k = from; k < to; k++) sum += sorted[k];
        return (float)(to - from == 1 ? sum : sum / (to - from));
    }

    public static TheoryData<int, int> Shapes => new() { { 1, 0 }, { 2, 0 }, { 3, 1 }, { 4, 1 }, { 10, 2 }, { 17, 3 }, { 50, 10 }, { 50, 0 } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Median_and_trimmed_mean_must_give_the_bits_of_the_scalar_definition_on_every_coordinate(int n, int trim)
    {
        var random = new Random(n * 100 + trim);
        // A length that leaves full blocks and a tail, from an offset that is not a multiple of the vector width.
        const int length = 1_003;
        const int start = 5;
        var sources = Enumerable.Range(0, n).Select(_ => StrategyData.Values(random, start + length + 7, 200)).ToArray();
        var median = new float[start + length + 7];
        var trimmed = new float[start + length + 7];
        CoordinateSelection.Median(sources, median, start, length);
        CoordinateSelection.TrimmedMean(sources, trim, trimmed, start, length);
        for (var i = start; i < start + length; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(ReferenceMean(sources, i, (n - 1) / 2, n / 2 + 1)), BitConverter.SingleToInt32Bits(median[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(ReferenceMean(sources, i, trim, n - trim)), BitConverter.SingleToInt32Bits(trimmed[i]));
        }
        // Outside the range nothing is written.
        Assert.All(median.Take(start).Concat(median.Skip(start + length)), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Median_and_trimmed_mean_must_match_values_computed_by_hand()
    {
        float[][] Columns(params float[][] rows) => rows;
        var three = Columns([1f, -4f], [5f, 0f], [3f, 8f]);
        var four = Columns([1f, 3e38f], [2f, 3e38f], [3f, 3e38f], [10f, -1f]);
        var five = Columns([-100f], [1f], [2f], [3f], [100f]);
        var output = new float[2];
        CoordinateSelection.Median(three, output, 0, 2);
        Assert.Equal([3f, 0f], output);
        CoordinateSelection.Median(four, output, 0, 2);
        Assert.Equal([2.5f, 3e38f], output); // the mean of two huge middles stays finite
        var one = new float[1];
        CoordinateSelection.TrimmedMean(five, 1, one, 0, 1);
        Assert.Equal(2f, one[0]);
        CoordinateSelection.TrimmedMean(five, 0, one, 0, 1);
        Assert.Equal(1.2f, one[0], 6);
    }

    [Fact]
    public void Selection_must_refuse_what_leaves_no_value()
    {
        var sources = new[] { new float[4], new float[4] };
        Assert.Throws<ArgumentOutOfRangeException>(() => CoordinateSelection.TrimmedMean(sources, 1, new float[4], 0, 4));
        Assert.Throws<ArgumentException>(() => CoordinateSelection.Median([], new float[4], 0, 4));
        Assert.Throws<ArgumentException>(() => CoordinateSelection.Median([new float[2]], new float[4], 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => CoordinateSelection.MeanClosestToMedian(sources, 3, new float[4], 0, 4));
    }

    [Fact]
    public void Vector_width_must_be_what_the_blocks_assume()
    {
        // The kernels assume Vector<double> has half the lanes of Vector<float> (Widen / Narrow).
        Assert.Equal(Vector<float>.Count, 2 * Vector<double>.Count);
    }
}
