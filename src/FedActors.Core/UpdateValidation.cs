using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace FedActors.Core;

/// <summary>
/// The checks a client's update must pass before it may reach aggregation, measured against the global
/// weights the client started from. A client may send any subset of the global's tensors (a head phase
/// sends only what trains), but never a tensor the global lacks, another shape, a non-finite value, no
/// tensors at all, or a non-positive sample count; and, when a bound is set, the L2 norm of
/// (update - global) over the tensors it sends must not exceed it. Pure and allocation-light.
/// </summary>
public static class UpdateValidation
{
    // Differences are squared in chunks so that the float partial sums stay short and the total stays exact enough.
    private const int Chunk = 4096;

    /// <summary>Why <paramref name="update"/> must not be aggregated, or null when it may be.</summary>
    /// <param name="global">The weights the client was sent.</param>
    /// <param name="update">The tensors the client sent back.</param>
    /// <param name="numExamples">The sample count the client reported (FedAvg's weight).</param>
    /// <param name="maxUpdateNorm">Bound on the L2 norm of (update - global); 0 or less means no bound.</param>
    /// <param name="maxExamples">
    /// The most examples the client can have trained on (what the coordinator knows of its shard); 0 or less means no
    /// bound. A self-reported count above it would let one client outweigh the federation.
    /// </param>
    public static string? Check(ModelWeights global, ModelWeights update, long numExamples, double maxUpdateNorm = 0, long maxExamples = 0) =>
        Validate(global, update, numExamples, maxUpdateNorm, maxExamples)?.Reason;

    /// <summary>As <see cref="Check"/>, with the kind of the fault (one of <see cref="UpdateRejection"/>'s kinds).</summary>
    public static UpdateRejection? Validate(ModelWeights global, ModelWeights update, long numExamples, double maxUpdateNorm = 0, long maxExamples = 0)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(update);
        if (numExamples <= 0)
            return new(UpdateRejection.Examples, string.Create(CultureInfo.InvariantCulture, $"reports {numExamples} examples; an update needs a positive count"));
        if (maxExamples > 0 && numExamples > maxExamples)
        {
            return new(UpdateRejection.Examples, string.Create(
                CultureInfo.InvariantCulture, $"reports {numExamples} examples; its shard holds {maxExamples}"));
        }
        if (update.Count == 0) return new(UpdateRejection.Empty, "carries no tensors");
        var bounded = maxUpdateNorm > 0;
        double squares = 0;
        foreach (var tensor in update)
        {
            if (!global.TryGet(tensor.Name, out var reference))
                return new(UpdateRejection.UnknownTensor, $"unknown tensor '{tensor.Name}' (the global has no tensor of that name)");
            if (!tensor.SameShape(reference))
                return new(UpdateRejection.Shape, $"tensor '{tensor.Name}' has shape {Shape(tensor)}, the global {Shape(reference)}");
            var bad = FirstNonFinite(tensor.Data);
            if (bad >= 0)
                return new(UpdateRejection.NonFinite, string.Create(CultureInfo.InvariantCulture, $"tensor '{tensor.Name}' holds {tensor.Data[bad]} at index {bad}"));
            if (bounded) squares += SquaredDistance(tensor.Data, reference.Data);
        }
        if (bounded)
        {
            var norm = Math.Sqrt(squares);
            if (norm > maxUpdateNorm)
                return new(UpdateRejection.Norm, string.Create(CultureInfo.InvariantCulture, $"update norm {norm:G6} exceeds the bound {maxUpdateNorm:G6}"));
        }
        return null;
    }

    /// <summary>L2 norm of (update - global) over the tensors <paramref name="update"/> carries, which must exist in the global with equal shapes.</summary>
    public static double DeltaNorm(ModelWeights global, ModelWeights update)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(update);
        double squares = 0;
        foreach (var tensor in update)
        {
            var reference = global[tensor.Name];
            if (!tensor.SameShape(reference)) throw new ArgumentException($"tensor '{tensor.Name}' differs in shape from the global", nameof(update));
            squares += SquaredDistance(tensor.Data, reference.Data);
        }
        return Math.Sqrt(squares);
    }

    /// <summary>Index of the first NaN or infinity, or -1.</summary>
    public static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        var start = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // x - x is 0 for every finite x and NaN for NaN and both infinities.
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            for (var v = 0; v < vectors.Length; v++)
            {
                var x = vectors[v];
                if (!Vector.EqualsAll(x - x, Vector<float>.Zero))
                {
                    start = v * Vector<float>.Count;
                    return FirstNonFiniteScalar(values, start);
                }
            }
            start = vectors.Length * Vector<float>.Count;
        }
        return FirstNonFiniteScalar(values, start);
    }

    private static int FirstNonFiniteScalar(ReadOnlySpan<float> values, int start)
    {
        for (var i = start; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i])) return i;
        }
        return -1;
    }

    private static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Span<float> difference = stackalloc float[Math.Min(Chunk, a.Length)];
        double total = 0;
        for (var offset = 0; offset < a.Length; offset += Chunk)
        {
            var length = Math.Min(Chunk, a.Length - offset);
            var d = difference[..length];
            TensorPrimitives.Subtract(a.Slice(offset, length), b.Slice(offset, length), d);
            total += TensorPrimitives.SumOfSquares<float>(d);
        }
        return total;
    }

    private static string Shape(NamedTensor tensor) => "[" + string.Join(",", tensor.Shape) + "]";
}

/// <summary>Why an update was refused: a short <see cref="Kind"/> for counting and a <see cref="Reason"/> for people.</summary>
public sealed record UpdateRejection(string Kind, string Reason)
{
    /// <summary>A non-positive sample count, or more than the client's shard holds.</summary>
    public const string Examples = "examples";

    /// <summary>No tensors at all.</summary>
    public const string Empty = "empty";

    /// <summary>A tensor the global does not have.</summary>
    public const string UnknownTensor = "unknown-tensor";

    /// <summary>A tensor of another shape than the global's.</summary>
    public const string Shape = "shape";

    /// <summary>A NaN or an infinity.</summary>
    public const string NonFinite = "non-finite";

    /// <summary>An update farther from the global than the norm bound allows.</summary>
    public const string Norm = "norm";

    /// <summary>Every kind, in the order the checks run.</summary>
    public static IReadOnlyList<string> Kinds { get; } = [Examples, Empty, UnknownTensor, Shape, NonFinite, Norm];

    /// <summary>As written after <c>rejected: </c> in a round's failure reason: <c>kind: reason</c>.</summary>
    public override string ToString() => Kind + ": " + Reason;
}
