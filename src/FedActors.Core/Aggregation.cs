using System.Numerics.Tensors;

namespace FedActors.Core;

/// <summary>Pure, vectorised arithmetic on weight buffers. The maths behind every strategy.</summary>
public static class Aggregation
{
    /// <summary><c>acc += weight * x</c>, element-wise.</summary>
    public static void AddScaled(Span<float> acc, ReadOnlySpan<float> x, float weight)
    {
        if (acc.Length != x.Length)
            throw new ArgumentException($"length mismatch: accumulator {acc.Length}, update {x.Length}");
        TensorPrimitives.MultiplyAdd(x, weight, acc, acc);
    }

    /// <summary><c>x *= factor</c>, element-wise.</summary>
    public static void Scale(Span<float> x, float factor) => TensorPrimitives.Multiply(x, factor, x);

    /// <summary>
    /// Weighted mean of equally long buffers, computed in the given order (order fixes the float rounding).
    /// Weights need not sum to one; they must be positive.
    /// </summary>
    public static float[] WeightedMean(IReadOnlyList<(ReadOnlyMemory<float> Values, double Weight)> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0) throw new ArgumentException("no items to average", nameof(items));
        var total = items.Sum(i => i.Weight);
        if (!(total > 0)) throw new ArgumentException("weights must sum to a positive number", nameof(items));
        var acc = new float[items[0].Values.Length];
        foreach (var (values, weight) in items)
            AddScaled(acc, values.Span, (float)(weight / total));
        return acc;
    }
}
