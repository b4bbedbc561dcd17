using System.Globalization;

namespace FedActors.Core.Strategies;

/// <summary>
/// Server optimisers over FedAvg (Reddi et al., "Adaptive Federated Optimization", ICLR 2021, Algorithm 2; Flower's
/// fedopt.py): the round's FedAvg is turned into a pseudo-gradient <c>delta = FedAvg(updates) - current</c>, per tensor
/// over the updates that carry it, and a server optimiser (<see cref="FedAvgM"/>, <see cref="FedAdam"/>,
/// <see cref="FedYogi"/>, <see cref="FedAdagrad"/>) steps the current weights along it. Streams like FedAvg: O(model) for
/// the average plus the optimiser's state (one or two model-sized arrays), never one update per client.
/// <para>
/// Which tensors step: only those some update of the round carried. A tensor no update carried (another task's head,
/// a frozen part) keeps its value and its state, step count included, so its moments resume where they were.
/// BatchNorm statistics (names ending in <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>; see
/// <see cref="IsStatistic"/>) take the plain FedAvg value and have no state. Flower steps every array it is given;
/// we do not, because these are estimates of the data, not parameters trained by gradient: an adaptive step moves each
/// coordinate by about eta whatever its scale, which can drive a running variance below zero (NaN in the next
/// normalisation), momentum overshoots a statistic that should just follow the data, and the integer counter must stay
/// an integer.
/// </para>
/// <para>
/// State (<see cref="IServerState"/>): per stepped tensor <c>X</c>, the optimiser's arrays <c>&lt;slot&gt;/X</c>
/// (<c>momentum/X</c>, or <c>m/X</c> and <c>v/X</c>), zero until its first step, and <c>step/X</c>, a one-element tensor
/// counting the steps it has taken (exact in float32 up to 2^24 rounds). Steps are counted per tensor, not per round, so
/// a head first trained in round 10 starts its bias correction at t = 1 (Flower uses the round number, which also
/// restarts here at every phase). The arrays are updated in place; <see cref="SaveState"/> copies them.
/// </para>
/// <para>
/// Arithmetic: float32, element by element in a fixed order (each subclass documents its formula), the same in the
/// vector loop and in the scalar tail, so the result depends neither on the number of threads nor on the chunking, and a
/// streamed round gives the same bits as <see cref="FedAvg.AggregateFit"/>. Flower's <c>eta_l</c> (the client learning
/// rate, which its server maths never reads) is not a parameter here: the clients' learning rate is the phase's config.
/// </para>
/// </summary>
public abstract class FedOpt : FedAvg, IServerState
{
    private const string StepPart = "step";
    private readonly Dictionary<string, TensorState> _state = new(StringComparer.Ordinal);
    private readonly List<TensorState> _order = [];

    /// <param name="slots">Names of the model-sized arrays the optimiser keeps per tensor (<c>momentum</c>; <c>m</c>, <c>v</c>).</param>
    protected FedOpt(params string[] slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        if (slots.Length == 0 || slots.Any(s => s == StepPart || s.Contains('/', StringComparison.Ordinal)))
            throw new ArgumentException("an optimiser keeps at least one array, none named 'step' or holding '/'", nameof(slots));
        Slots = slots;
    }

    /// <summary>Names of the arrays kept per tensor, in the order the state lists them after <c>step/X</c>.</summary>
    public IReadOnlyList<string> Slots { get; }

    /// <summary>Threads a step may use; null: one per core.</summary>
    public int? MaxThreads { get; init; }

    /// <summary>Whether the optimiser moves the weights at all; FedAvgM with rate 1 and no momentum is FedAvg and does not.</summary>
    protected virtual bool Steps => true;

    /// <summary>
    /// BatchNorm's running statistics and batch counter: the last dotted part of the name is <c>running_mean</c>,
    /// <c>running_var</c> or <c>num_batches_tracked</c>. They take the plain FedAvg value, without optimiser or state.
    /// </summary>
    public static bool IsStatistic(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var last = name[(name.LastIndexOf('.') + 1)..];
        return last is "running_mean" or "running_var" or "num_batches_tracked";
    }

    public override IFitAggregation BeginFit(int round, string phase, ModelWeights current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return new OptimizerRound(this, current, new FedAvgAccumulator(FoldWidth, MaxThreads));
    }

    /// <summary>
    /// One range of one tensor's step: <paramref name="average"/> holds FedAvg's value on entry and the new weights on
    /// return; <paramref name="current"/> is the value before the round; <paramref name="slots"/> are the optimiser's
    /// arrays (in <see cref="Slots"/> order), updated in place; <paramref name="step"/> counts this tensor's steps, this one included (1 on the first).
    /// </summary>
    protected abstract void StepRange(float[] current, float[] average, float[][] slots, long step, int start, int length);

    public ModelWeights SaveState()
    {
        var tensors = new List<NamedTensor>();
        foreach (var state in _order)
        {
            tensors.Add(new NamedTensor(StepPart + "/" + state.Name, [1], [state.Steps]));
            for (var s = 0; s < Slots.Count; s++)
                tensors.Add(new NamedTensor(Slots[s] + "/" + state.Name, (int[])state.Shape.Clone(), (float[])state.Arrays[s].Clone()));
        }
        return new ModelWeights(tensors);
    }

    public void LoadState(ModelWeights state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var loaded = new Dictionary<string, (float? Step, NamedTensor?[] Arrays)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var tensor in state)
        {
            var slash = tensor.Name.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == tensor.Name.Length - 1)
                throw new ArgumentException($"state tensor '{tensor.Name}' is not named <part>/<tensor>", nameof(state));
            var (part, name) = (tensor.Name[..slash], tensor.Name[(slash + 1)..]);
            var slot = Slots.ToList().IndexOf(part);
            if (part != StepPart && slot < 0)
            {
                throw new ArgumentException(
                    $"state tensor '{tensor.Name}': {Name} keeps no '{part}' (its parts: {StepPart}, {string.Join(", ", Slots)})", nameof(state));
            }
            if (!loaded.TryGetValue(name, out var entry))
            {
                entry = (null, new NamedTensor?[Slots.Count]);
                order.Add(name);
            }
            if (part == StepPart)
            {
                if (tensor.Data.Length != 1 || tensor.Data[0] < 0 || tensor.Data[0] != MathF.Floor(tensor.Data[0]))
                    throw new ArgumentException($"state tensor '{tensor.Name}' must hold one whole number of steps, at least 0", nameof(state));
                entry.Step = tensor.Data[0];
            }
            else
            {
                entry.Arrays[slot] = tensor;
            }
            loaded[name] = entry;
        }
        var states = new List<TensorState>();
        foreach (var name in order)
        {
            var (step, arrays) = loaded[name];
            if (step is null) throw new ArgumentException($"state of tensor '{name}' lacks '{StepPart}/{name}'", nameof(state));
            var missing = Slots.Where((_, s) => arrays[s] is null).ToList();
            if (missing.Count > 0) throw new ArgumentException($"state of tensor '{name}' lacks '{missing[0]}/{name}'", nameof(state));
            var shape = arrays[0]!.Shape;
            foreach (var array in arrays)
            {
                if (!array!.Shape.AsSpan().SequenceEqual(shape))
                    throw new ArgumentException($"state tensor '{array.Name}' has shape {Shape(array.Shape)}, '{arrays[0]!.Name}' {Shape(shape)}", nameof(state));
            }
            if (_state.TryGetValue(name, out var held) && !held.Shape.AsSpan().SequenceEqual(shape))
                throw new ArgumentException($"state of tensor '{name}' has shape {Shape(shape)}; this {Name} holds {Shape(held.Shape)} for it", nameof(state));
            states.Add(new TensorState(name, (int[])shape.Clone(), [.. arrays.Select(a => (float[])a!.Data.Clone())]) { Steps = (long)step.Value });
        }
        _state.Clear();
        _order.Clear();
        foreach (var s in states)
        {
            _state[s.Name] = s;
            _order.Add(s);
        }
    }

    /// <summary>
    /// Steps every tensor of <paramref name="averaged"/> that <paramref name="updated"/> names (bar statistics) from its
    /// value in <paramref name="current"/>, writing the new weights into <paramref name="averaged"/>'s own arrays.
    /// </summary>
    private ModelWeights Apply(ModelWeights current, ModelWeights averaged, HashSet<string> updated)
    {
        if (!Steps) return averaged;
        var work = new List<(NamedTensor Average, float[] Current, TensorState? State)>();
        foreach (var tensor in averaged)
        {
            if (!updated.Contains(tensor.Name) || IsStatistic(tensor.Name)) continue;
            if (!current.TryGet(tensor.Name, out var before))
                throw new ArgumentException($"tensor '{tensor.Name}' is not in the current weights: {Name} steps from the current value", nameof(current));
            if (_state.TryGetValue(tensor.Name, out var state) && !state.Shape.AsSpan().SequenceEqual(tensor.Shape))
            {
                throw new ArgumentException(
                    $"tensor '{tensor.Name}' has shape {Shape(tensor.Shape)}; the optimiser state of {Name} holds {Shape(state.Shape)} for it",
                    nameof(current));
            }
            work.Add((tensor, before.Data, state));
        }
        // Checked first, then changed: a refused round leaves the state as it was.
        var steps = new List<(float[] Current, float[] Average, TensorState State)>(work.Count);
        foreach (var (average, before, held) in work)
        {
            var state = held;
            if (state is null)
            {
                state = new TensorState(average.Name, (int[])average.Shape.Clone(), [.. Slots.Select(_ => new float[average.Data.Length])]);
                _state[state.Name] = state;
                _order.Add(state);
            }
            state.Steps++;
            steps.Add((before, average.Data, state));
        }
        Chunks.Run(Chunks.Split(steps, w => w.Average.Length), MaxThreads,
            (w, start, length) => StepRange(w.Current, w.Average, w.State.Arrays, w.State.Steps, start, length));
        return averaged;
    }

    /// <summary>A parameter value as descriptions print it.</summary>
    protected static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    private static string Shape(int[] shape) => "[" + string.Join(",", shape) + "]";

    private sealed class TensorState(string name, int[] shape, float[][] arrays)
    {
        public string Name { get; } = name;
        public int[] Shape { get; } = shape;
        public float[][] Arrays { get; } = arrays;
        public long Steps { get; set; }
    }

    private sealed class OptimizerRound(FedOpt strategy, ModelWeights current, FedAvgAccumulator accumulator) : IFitAggregation
    {
        private readonly HashSet<string> _updated = new(StringComparer.Ordinal);

        public void Add(FitRes result)
        {
            ArgumentNullException.ThrowIfNull(result);
            accumulator.Add(result.Weights, strategy.WeightOf(result));
            _updated.UnionWith(result.Weights.Names);
        }

        public ModelWeights Result(IReadOnlyList<ClientFailure> failures) =>
            accumulator.Updates == 0 ? current : strategy.Apply(current, accumulator.Result(current), _updated);
    }
}
