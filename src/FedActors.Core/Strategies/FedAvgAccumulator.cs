namespace FedActors.Core.Strategies;

/// <summary>
/// Streaming FedAvg: folds updates in as they arrive, so memory is O(model) plus the few updates waiting to be
/// folded, not O(clients x model). Each tensor is averaged over the updates that contain it, weighted by their
/// sample counts: shared parts over every client, a task head only over the clients of its task.
/// <para>
/// Speed: aggregation is bound by memory bandwidth, so it moves as few bytes as it can. Up to
/// <see cref="FoldWidth"/> updates wait (by reference) and are then folded in one pass
/// (<see cref="Aggregation.FoldRange"/>): each waiting update is read once, the sum read and written once, the
/// partial sums kept in registers in between. <see cref="Result"/> folds the last waiting updates and divides by
/// the total weight in that same pass. Passes split every tensor into fixed chunks that run in parallel. The
/// sums become the result, so there is no copy at the end. A sum is a fresh array, unless the first update to
/// carry its tensor was handed over (<c>Add(..., handOver: true)</c>): then the sum is written into that
/// update's own array. That matters where untouched memory is dear: on the VM of BENCHMARKS.md the page faults of
/// the first write to a fresh ResNet50-sized buffer cost more than the whole fold; fresh sums are therefore
/// allocated with huge pages advised (<see cref="FreshMemory"/>), which cuts most of that cost (BENCHMARKS.md,
/// "Fresh buffer").
/// </para>
/// <para>
/// Overflow: the mean of finite values is finite, but the sums on the way to it need not be (two updates holding
/// 3e38, or large values times large sample counts). Every weight and the divisor are therefore scaled by the same
/// power of two 2^-e, with e chosen so that the weights added so far sum to at most one half: a partial sum then never
/// exceeds half the largest value, whatever the updates hold. When more weight arrives, e grows and the partial sums are
/// rescaled exactly as they are read. Scaling by a power of two is exact, and rounding commutes with it, so the result has
/// the same bits as the unscaled fold for every value whose scaled terms stay normal floats (above about 1e-28 for a
/// billion examples); only smaller ones may round differently.
/// </para>
/// <para>
/// Determinism: every element sees the same operations in the same order (w0·x0, then + wi·xi per update in the
/// order they were added, then / total), whatever the fold width or the number of threads: elements never mix.
/// The caller adds updates in client-id order.
/// </para>
/// </summary>
public sealed class FedAvgAccumulator
{
    /// <summary>Floats per parallel work item: large enough to amortise scheduling, small enough to balance two cores.</summary>
    private const int ChunkLength = 64 * 1024;

    private readonly Dictionary<string, Sum> _sums = new(StringComparer.Ordinal);
    private readonly List<Sum> _order = [];
    private readonly List<(ModelWeights Update, float Weight, bool HandedOver)> _pending = [];
    private readonly ParallelOptions _parallel;
    private double _totalWeight;
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

    /// <summary>Updates added so far.</summary>
    public int Updates { get; private set; }

    /// <summary>Updates added but not yet folded into the sums (held by reference).</summary>
    public int Waiting => _pending.Count;

    /// <summary>
    /// Adds an update with its FedAvg weight. The accumulator keeps a reference to it until it is folded in (at
    /// most <see cref="FoldWidth"/> updates wait).
    /// </summary>
    /// <param name="handOver">
    /// False: the update is only read. True: the caller gives up the update's arrays; the accumulator may write
    /// sums into them, which the result then returns, so nothing else may hold them (not a message still in
    /// flight, not another update, not the current global).
    /// </param>
    public void Add(ModelWeights update, long numExamples, bool handOver = false)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (_finished) throw new InvalidOperationException("the accumulator has already given its result");
        if (numExamples <= 0) throw new ArgumentOutOfRangeException(nameof(numExamples), "an update needs a positive sample count");
        // Shapes are checked on arrival, so a bad update is refused before it joins the waiting ones.
        foreach (var tensor in update)
        {
            if (_sums.TryGetValue(tensor.Name, out var sum) && !sum.Shape.AsSpan().SequenceEqual(tensor.Shape))
            {
                throw new ArgumentException(
                    $"tensor '{tensor.Name}' has shape [{string.Join(",", tensor.Shape)}], earlier updates [{string.Join(",", sum.Shape)}]");
            }
        }
        foreach (var tensor in update)
        {
            if (_sums.ContainsKey(tensor.Name)) continue;
            var sum = new Sum(tensor.Name, tensor.Shape);
            _sums[tensor.Name] = sum;
            _order.Add(sum);
        }
        _pending.Add((update, numExamples, handOver));
        _totalWeight += (float)numExamples;
        Updates++;
        if (_pending.Count >= FoldWidth) Fold(final: false);
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
        Fold(final: true);
        _finished = true;
        return current.With(new ModelWeights(_order.Select(sum => new NamedTensor(sum.Name, sum.Shape, sum.Values!))));
    }

    /// <summary>
    /// One pass over the sums: every waiting update is added; on the <paramref name="final"/> pass every sum is
    /// also divided by its total weight, including sums no waiting update touches.
    /// </summary>
    private void Fold(bool final)
    {
        if (_pending.Count == 0 && !final) return;
        // Weights (and sums) scaled by 2^-exponent, with the weights so far summing to at most 1/2: no partial sum overflows.
        var exponent = ScaleExponent(_totalWeight);
        // Per tensor, the waiting updates that carry it, in the order they were added.
        var sources = new Dictionary<Sum, List<(float[] Data, float Weight)>>();
        foreach (var (update, weight, handedOver) in _pending)
        {
            foreach (var tensor in update)
            {
                var sum = _sums[tensor.Name];
                if (!sources.TryGetValue(sum, out var list)) sources[sum] = list = [];
                // The first update of a tensor makes its sum: in place when handed over (read, then written, element
                // by element), otherwise in an uninitialised array (huge pages advised) that this pass writes in full.
                sum.Values ??= handedOver ? tensor.Data : FreshMemory.Floats(tensor.Data.Length);
                list.Add((tensor.Data, MathF.ScaleB(weight, -exponent)));
                sum.Weight += weight;
            }
        }
        var targets = _order
            .Where(sum => final || sources.ContainsKey(sum))
            .Select(sum =>
            {
                var list = sources.GetValueOrDefault(sum) ?? [];
                var divisor = final ? MathF.ScaleB((float)sum.Weight, -exponent) : (float?)null;
                var rescale = sum.Started ? MathF.ScaleB(1f, sum.Exponent - exponent) : 1f;
                return new Target(sum, [.. list.Select(s => s.Data)], [.. list.Select(s => s.Weight)], divisor, rescale);
            })
            .ToList();
        var chunks = new List<(Target Target, int Start, int Length)>();
        foreach (var target in targets)
        {
            var length = target.Sum.Values!.Length;
            for (var start = 0; start < length; start += ChunkLength)
                chunks.Add((target, start, Math.Min(ChunkLength, length - start)));
        }
        if (chunks.Count == 1 || _parallel.MaxDegreeOfParallelism == 1)
        {
            foreach (var chunk in chunks) FoldChunk(chunk);
        }
        else
        {
            Parallel.ForEach(chunks, _parallel, FoldChunk);
        }
        foreach (var target in targets)
        {
            target.Sum.Started = true;
            target.Sum.Exponent = exponent;
        }
        _pending.Clear();
    }

    /// <summary>The e of 2^-e that brings <paramref name="totalWeight"/> to at most one half.</summary>
    internal static int ScaleExponent(double totalWeight) => totalWeight <= 0.5 ? 0 : Math.ILogB(totalWeight) + 2;

    private static void FoldChunk((Target Target, int Start, int Length) chunk)
    {
        var (target, start, length) = chunk;
        Aggregation.FoldRange(target.Sum.Values!, start, length, target.Sum.Started, target.Sources, target.Weights, target.Divisor, target.Rescale);
    }

    private sealed record Target(Sum Sum, float[][] Sources, float[] Weights, float? Divisor, float Rescale);

    private sealed class Sum(string name, int[] shape)
    {
        public string Name { get; } = name;
        public int[] Shape { get; } = shape;

        /// <summary>Set by the first fold that reaches this tensor.</summary>
        public float[]? Values { get; set; }
        public double Weight { get; set; }
        public bool Started { get; set; }

        /// <summary>The e of the 2^-e its partial sum is scaled by.</summary>
        public int Exponent { get; set; }
    }
}
