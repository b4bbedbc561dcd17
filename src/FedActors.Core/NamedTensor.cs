namespace FedActors.Core;

/// <summary>
/// One named tensor of a model, row-major float32. Integer buffers (e.g. BatchNorm's
/// <c>num_batches_tracked</c>) are carried as floats and converted back by the learning layer.
/// Treat <see cref="Data"/> as immutable once the tensor is built: snapshots are shared by reference.
/// </summary>
public sealed record NamedTensor
{
    public NamedTensor(string name, int[] shape, float[] data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"tensor '{name}': negative dimension {d}", nameof(shape));
            count *= d;
        }
        if (count != data.Length)
            throw new ArgumentException(
                $"tensor '{name}': shape [{string.Join(",", shape)}] holds {count} values but data has {data.Length}",
                nameof(data));
        Name = name;
        Shape = shape;
        Data = data;
    }

    public string Name { get; }
    public int[] Shape { get; }
    public float[] Data { get; }

    public bool SameShape(NamedTensor other) => Shape.AsSpan().SequenceEqual(other.Shape);

    public override string ToString() => $"{Name}[{string.Join(",", Shape)}]";
}
