namespace FedActors.Core.Strategies;

/// <summary>
/// Streaming FedAvg: folds each update in as it arrives, so memory is O(model), not O(clients x model).
/// Each tensor is averaged over the updates that contain it, weighted by their sample counts: shared
/// parts over every client, a task head only over the clients of its task.
/// Updates must be added in a fixed order (the caller orders by client id) for bit-identical results.
/// </summary>
public sealed class FedAvgAccumulator
{
    private readonly Dictionary<string, (int[] Shape, double[] Sum, double Weight)> _sums = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public int Updates { get; private set; }

    public void Add(ModelWeights update, long numExamples)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (numExamples <= 0) throw new ArgumentOutOfRangeException(nameof(numExamples), "an update needs a positive sample count");
        foreach (var tensor in update)
        {
            if (!_sums.TryGetValue(tensor.Name, out var entry))
            {
                entry = (tensor.Shape, new double[tensor.Data.Length], 0);
                _order.Add(tensor.Name);
            }
            else if (!entry.Shape.AsSpan().SequenceEqual(tensor.Shape))
            {
                throw new ArgumentException(
                    $"tensor '{tensor.Name}' has shape [{string.Join(",", tensor.Shape)}], earlier updates [{string.Join(",", entry.Shape)}]");
            }
            var sum = entry.Sum;
            var data = tensor.Data;
            double w = numExamples;
            for (var i = 0; i < data.Length; i++) sum[i] += w * data[i];
            _sums[tensor.Name] = (entry.Shape, sum, entry.Weight + w);
        }
        Updates++;
    }

    /// <summary>
    /// The averaged tensors laid over <paramref name="current"/>: tensors no update carried keep their
    /// current value; tensors only updates carried are appended.
    /// </summary>
    public ModelWeights Result(ModelWeights current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var averaged = new List<NamedTensor>(_order.Count);
        foreach (var name in _order)
        {
            var (shape, sum, weight) = _sums[name];
            var mean = new float[sum.Length];
            for (var i = 0; i < sum.Length; i++) mean[i] = (float)(sum[i] / weight);
            averaged.Add(new NamedTensor(name, shape, mean));
        }
        return current.With(new ModelWeights(averaged));
    }
}
