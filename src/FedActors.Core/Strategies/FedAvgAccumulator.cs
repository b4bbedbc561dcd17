using System.Numerics.Tensors;

namespace FedActors.Core.Strategies;

/// <summary>
/// Streaming FedAvg: folds updates in as they arrive, so memory is O(model) plus the few updates waiting to be
/// folded, not O(clients x model). Each tensor is averaged over the updates that contain it, weighted by their
/// sample counts: shared parts over every client, a task head only over the clients of its task.
/// <para>
/// Speed: aggregation is bound by memory bandwidth. Updates are folded <see cref="FoldWidth"/> at a time, one
/// cache-sized chunk of the sum after another (the chunk stays in cache while every waiting update is added to
/// it), chunks in parallel. The sum is kept in float, the weight of each update being its raw sample count,
/// and divided by the total weight at the end.
/// </para>
/// <para>
/// Determinism: every element sees the same operations in the same order, update after update in the order
/// they were added (the caller orders by client id), whatever the fold width or the number of threads: chunk
/// boundaries are fixed and elements never mix.
/// </para>
/// </summary>
public sealed class FedAvgAccumulator
{
    /// <summary>Floats per chunk: 64 KiB of sum, which stays in a core's L2 while the updates stream past it.</summary>
    private const int ChunkLength = 16 * 1024;

    private readonly Dictionary<string, Sum> _sums = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly List<(ModelWeights Update, float Weight)> _pending = [];
    private readonly ParallelOptions _parallel;
    private bool _finished;

    /// <param name="foldWidth">Updates kept (by reference) until they are folded in together; 1 folds each at once.</param>
    /// <param name="maxThreads">Threads a fold may use; null: one per core.</param>
    public FedAvgAccumulator(int foldWidth = 8, int? maxThreads = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(foldWidth, 1);
        if (maxThreads is < 1) throw new ArgumentOutOfRangeException(nameof(maxThreads), "at least one thread");
        FoldWidth = foldWidth;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxThreads ?? Environment.ProcessorCount };
    }

    public int FoldWidth { get; }

    public int Updates { get; private set; }

    public void Add(ModelWeights update, long numExamples)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (_finished) throw new InvalidOperationException("the accumulator has already given its result");
        if (numExamples <= 0) throw new ArgumentOutOfRangeException(nameof(numExamples), "an update needs a positive sample count");
        // Shapes are checked on arrival, so a bad update is refused before it joins the waiting ones.
        foreach (var tensor in update)
        {
            if (!_sums.TryGetValue(tensor.Name, out var sum))
            {
                // Uninitialised: the first update folded in writes every element (Multiply, not MultiplyAdd).
                _sums[tensor.Name] = new Sum(tensor.Shape, GC.AllocateUninitializedArray<float>(tensor.Data.Length));
                _order.Add(tensor.Name);
            }
            else if (!sum.Shape.AsSpan().SequenceEqual(tensor.Shape))
            {
                throw new ArgumentException(
                    $"tensor '{tensor.Name}' has shape [{string.Join(",", tensor.Shape)}], earlier updates [{string.Join(",", sum.Shape)}]");
            }
        }
        _pending.Add((update, numExamples));
        Updates++;
        if (_pending.Count >= FoldWidth) Fold();
    }

    /// <summary>
    /// The averaged tensors laid over <paramref name="current"/>: tensors no update carried keep their
    /// current value; tensors only updates carried are appended. The sums become the means in place (the
    /// result owns them), so this may be called once.
    /// </summary>
    public ModelWeights Result(ModelWeights current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (_finished) throw new InvalidOperationException("the accumulator has already given its result");
        Fold();
        _finished = true;
        var sums = _order.Select(name => _sums[name]).ToList();
        Parallel.ForEach(Chunks(sums.Select(s => s.Values.Length).ToList()), _parallel, chunk =>
        {
            var sum = sums[chunk.Tensor];
            var values = sum.Values.AsSpan(chunk.Start, chunk.Length);
            TensorPrimitives.Divide(values, (float)sum.Weight, values);
        });
        return current.With(new ModelWeights(_order.Select(name => new NamedTensor(name, _sums[name].Shape, _sums[name].Values))));
    }

    /// <summary>Adds every waiting update to the sums, chunk by chunk.</summary>
    private void Fold()
    {
        if (_pending.Count == 0) return;
        // Per tensor, the waiting updates that carry it, in the order they were added.
        var targets = new List<(Sum Sum, List<(float[] Data, float Weight)> Sources)>();
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (update, weight) in _pending)
        {
            foreach (var tensor in update)
            {
                if (!byName.TryGetValue(tensor.Name, out var index))
                {
                    byName[tensor.Name] = index = targets.Count;
                    targets.Add((_sums[tensor.Name], []));
                }
                targets[index].Sources.Add((tensor.Data, weight));
            }
        }
        var work = Chunks(targets.Select(t => t.Sum.Values.Length).ToList());
        Parallel.ForEach(work, _parallel, chunk =>
        {
            var (sum, sources) = targets[chunk.Tensor];
            var acc = sum.Values.AsSpan(chunk.Start, chunk.Length);
            var first = 0;
            if (!sum.Started)
            {
                TensorPrimitives.Multiply(sources[0].Data.AsSpan(chunk.Start, chunk.Length), sources[0].Weight, acc);
                first = 1;
            }
            for (var s = first; s < sources.Count; s++)
                TensorPrimitives.MultiplyAdd(sources[s].Data.AsSpan(chunk.Start, chunk.Length), sources[s].Weight, acc, acc);
        });
        foreach (var (sum, sources) in targets)
        {
            sum.Started = true;
            foreach (var (_, weight) in sources) sum.Weight += weight;
        }
        _pending.Clear();
    }

    /// <summary>Fixed chunks of each tensor: the same boundaries on every call, whatever the thread count.</summary>
    private static List<Chunk> Chunks(IReadOnlyList<int> lengths)
    {
        var chunks = new List<Chunk>();
        for (var t = 0; t < lengths.Count; t++)
        {
            for (var start = 0; start < lengths[t]; start += ChunkLength)
                chunks.Add(new Chunk(t, start, Math.Min(ChunkLength, lengths[t] - start)));
        }
        return chunks;
    }

    private readonly record struct Chunk(int Tensor, int Start, int Length);

    private sealed class Sum(int[] shape, float[] values)
    {
        public int[] Shape { get; } = shape;
        public float[] Values { get; } = values;
        public double Weight { get; set; }
        public bool Started { get; set; }
    }
}
