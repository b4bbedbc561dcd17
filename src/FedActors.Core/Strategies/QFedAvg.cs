using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace FedActors.Core.Strategies;

/// <summary>
/// q-FedAvg (Li, Sanjabi, Beirami and Smith, ICLR 2020, "Fair Resource Allocation in Federated Learning", Algorithm 3;
/// Flower's qfedavg.py and <c>aggregate_qffl</c>): clients with a higher loss get more weight, by the power q. With
/// <c>L = 1 / learning-rate</c> (the inverse of the clients' local learning rate, the paper's Lipschitz estimate) and
/// <c>F_k</c> client k's loss on the global before it trained:
/// <code>
/// dw_k    = L (w - w_k)                                            (the update as a gradient)
/// delta_k = (F_k + 1e-10)^q dw_k
/// h_k     = q (F_k + 1e-10)^(q-1) ||dw_k||^2 + L (F_k + 1e-10)^q
/// w'      = w - sum_k delta_k / sum_k h_k
/// </code>
/// (the 1e-10 as Flower). Per tensor over the updates that carry it: a head's sums run over its task's clients, each
/// with its whole h_k (whose norm covers everything that client sent). q = 0 gives the unweighted mean of the updates.
/// <para>
/// The loss: each client must report <c>loss</c> in <see cref="FitRes.Metrics"/>; a result without a finite, non-negative
/// one is refused with an <see cref="ArgumentException"/> naming the client. The paper uses F_k(w^t), the loss of the
/// global the client received; Flower's implementation uses one server-side evaluation loss for every client instead.
/// FedActors' TorchClient reports the mean training loss of its round, which is an approximation: it is measured while
/// training moves away from w^t, so it is lower than F_k(w^t), and more so with more local steps.
/// </para>
/// <para>
/// Streams: every update is folded into one float sum per tensor as it arrives (<c>sum += c_k (w - w_k)</c>, with
/// <c>c_k = L (F_k + 1e-10)^q</c> in float, in client-id order, up to <see cref="FedAvg.FoldWidth"/> updates per pass),
/// and its squared norm is taken in the same pass (float over blocks of 1024, double across them, in a fixed order), so
/// memory is O(model) and the bits depend neither on the fold width nor on the threads. The result is
/// <c>w - sum / H</c> per element in float, with H the double sum of h_k rounded to float.
/// </para>
/// <para>
/// Parameters (<see cref="StrategyFactory"/> name <c>qfedavg</c>), Flower's defaults: <c>q</c> = 0.2 (at least 0),
/// <c>learning-rate</c> = 0.1 (above 0; Flower's <c>qffl_learning_rate</c>: set it to the clients' learning rate).
/// </para>
/// </summary>
public sealed class QFedAvg : FedAvg
{
    /// <summary>The metric each client must report: its loss on the global it received.</summary>
    public const string LossMetric = MetricNames.Loss;

    private const double LossFloor = 1e-10;
    private const int Block = 1024;

    /// <summary>The parameters of <c>qfedavg</c>, for <see cref="StrategyFactory"/>.</summary>
    public static new IReadOnlyList<StrategyParameter> Parameters { get; } =
    [
        new("q", 0.2, "fairness: clients weigh by their loss to the power q (0: the plain mean)") { Minimum = 0 },
        new("learning-rate", 0.1, "the clients' local learning rate; L = 1 / learning-rate") { Minimum = 0, MinimumExcluded = true },
    ];

    public QFedAvg(double q = 0.2, double learningRate = 0.1)
    {
        Q = Parameters[0].Check(q);
        LearningRate = Parameters[1].Check(learningRate);
    }

    public double Q { get; }
    public double LearningRate { get; }

    /// <summary>Threads a fold may use; null: one per core.</summary>
    public int? MaxThreads { get; init; }

    public override string Name => "qfedavg";

    public override string Description =>
        $"q-FedAvg (Li et al. 2020): updates weighted by the client's loss to the power q; q={Number(Q)}, learning-rate={Number(LearningRate)}";

    public override IFitAggregation BeginFit(int round, string phase, ModelWeights current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return new QRound(this, current);
    }

    /// <summary>The loss <paramref name="result"/> reports, checked.</summary>
    private static double LossOf(FitRes result)
    {
        if (!result.Metrics.TryGetValue(LossMetric, out var loss))
            throw new ArgumentException($"q-FedAvg needs every client's '{LossMetric}': client '{result.ClientId}' reported none", nameof(result));
        if (!double.IsFinite(loss) || loss < 0)
            throw new ArgumentException($"q-FedAvg needs a finite loss of at least 0: client '{result.ClientId}' reported {Number(loss)}", nameof(result));
        return loss;
    }

    private static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    private sealed class QRound(QFedAvg strategy, ModelWeights current) : IFitAggregation
    {
        private readonly Dictionary<string, Sum> _sums = new(StringComparer.Ordinal);
        private readonly List<Sum> _order = [];
        private readonly List<(FitRes Result, float Scale, double Loss)> _pending = [];
        private bool _finished;

        public void Add(FitRes result)
        {
            ArgumentNullException.ThrowIfNull(result);
            if (_finished) throw new InvalidOperationException("the round's aggregation has already given its result");
            var loss = LossOf(result);
            foreach (var tensor in result.Weights)
            {
                if (!current.TryGet(tensor.Name, out var before))
                    throw new ArgumentException($"tensor '{tensor.Name}' is not in the current weights: q-FedAvg steps from the current value", nameof(result));
                if (!before.SameShape(tensor))
                    throw new ArgumentException($"tensor '{tensor.Name}' has shape [{string.Join(",", tensor.Shape)}], the current [{string.Join(",", before.Shape)}]", nameof(result));
            }
            foreach (var tensor in result.Weights)
            {
                if (_sums.ContainsKey(tensor.Name)) continue;
                var sum = new Sum(current[tensor.Name]);
                _sums[tensor.Name] = sum;
                _order.Add(sum);
            }
            var scale = (float)(Math.Pow(loss + LossFloor, strategy.Q) / strategy.LearningRate);
            _pending.Add((result, scale, loss));
            if (_pending.Count >= strategy.FoldWidth) Fold();
        }

        public ModelWeights Result(IReadOnlyList<ClientFailure> failures)
        {
            if (_finished) throw new InvalidOperationException("the round's aggregation has already given its result");
            _finished = true;
            Fold();
            if (_order.Count == 0) return current;
            Chunks.Run(Chunks.Split(_order, s => s.Values!.Length), strategy.MaxThreads,
                (sum, start, length) => Step(sum.Current.Data, sum.Values!, (float)sum.H, start, length));
            return current.With(new ModelWeights(_order.Select(s => new NamedTensor(s.Current.Name, s.Current.Shape, s.Values!))));
        }

        /// <summary>Folds the waiting updates into the sums and adds each one's h to the tensors it carries.</summary>
        private void Fold()
        {
            if (_pending.Count == 0) return;
            var targets = _order
                .Select(sum => (Sum: sum, Sources: _pending
                    .Select((p, k) => (Index: k, Data: p.Result.Weights.TryGet(sum.Current.Name, out var t) ? t.Data : null, p.Scale))
                    .Where(s => s.Data is not null)
                    .ToArray()))
                .Where(t => t.Sources.Length > 0)
                .ToList();
            foreach (var (sum, _) in targets) sum.Values ??= FreshMemory.Floats(sum.Current.Data.Length);
            var ranges = Chunks.Split(targets, t => t.Sum.Current.Data.Length);
            // Squared norm of (w - w_k) per waiting update and range: summed per update in range order afterwards.
            var norms = new double[_pending.Count * ranges.Count];
            Chunks.RunIndexed(ranges, strategy.MaxThreads, (r, target, start, length) =>
            {
                var (sum, sources) = target;
                for (var block = start; block < start + length; block += Block)
                {
                    var size = Math.Min(Block, start + length - block);
                    for (var s = 0; s < sources.Length; s++)
                    {
                        var first = !sum.Started && s == 0;
                        norms[sources[s].Index * ranges.Count + r] +=
                            FoldBlock(sum.Current.Data, sources[s].Data!, sources[s].Scale, sum.Values!, block, size, first);
                    }
                }
            });
            foreach (var (sum, _) in targets) sum.Started = true;
            var q = strategy.Q;
            var lipschitz = 1 / strategy.LearningRate;
            for (var k = 0; k < _pending.Count; k++)
            {
                var (result, _, loss) = _pending[k];
                var squares = 0.0;
                for (var r = 0; r < ranges.Count; r++) squares += norms[k * ranges.Count + r];
                var powered = Math.Pow(loss + LossFloor, q);
                var h = q * Math.Pow(loss + LossFloor, q - 1) * lipschitz * lipschitz * squares + lipschitz * powered;
                foreach (var tensor in result.Weights) _sums[tensor.Name].H += h;
            }
            _pending.Clear();
        }

        /// <summary><c>sum[i] = w[i] - sum[i] / divisor</c>: the new weights, written over the sum.</summary>
        private static void Step(float[] w, float[] sum, float divisor, int start, int length)
        {
            ref var wr = ref MemoryMarshal.GetArrayDataReference(w);
            ref var sr = ref MemoryMarshal.GetArrayDataReference(sum);
            var d = new Vector<float>(divisor);
            var i = start;
            var end = start + length;
            for (; i + Vector<float>.Count <= end; i += Vector<float>.Count)
                (Vector.LoadUnsafe(ref wr, (nuint)i) - Vector.LoadUnsafe(ref sr, (nuint)i) / d).StoreUnsafe(ref sr, (nuint)i);
            for (; i < end; i++) sum[i] = w[i] - sum[i] / divisor;
        }

        /// <summary>
        /// <c>sum[i] (+)= scale * (w[i] - u[i])</c> over one block (<paramref name="first"/>: the sum starts here);
        /// returns the block's sum of <c>(w[i] - u[i])^2</c>, in float.
        /// </summary>
        private static float FoldBlock(float[] w, float[] u, float scale, float[] sum, int start, int length, bool first)
        {
            ref var wr = ref MemoryMarshal.GetArrayDataReference(w);
            ref var ur = ref MemoryMarshal.GetArrayDataReference(u);
            ref var sr = ref MemoryMarshal.GetArrayDataReference(sum);
            var squares = Vector<float>.Zero;
            var c = new Vector<float>(scale);
            var i = start;
            var end = start + length;
            var width = Vector<float>.Count;
            for (; i + width <= end; i += width)
            {
                var d = Vector.LoadUnsafe(ref wr, (nuint)i) - Vector.LoadUnsafe(ref ur, (nuint)i);
                squares += d * d;
                var term = c * d;
                (first ? term : Vector.LoadUnsafe(ref sr, (nuint)i) + term).StoreUnsafe(ref sr, (nuint)i);
            }
            var total = Vector.Sum(squares);
            for (; i < end; i++)
            {
                var d = w[i] - u[i];
                total += d * d;
                sum[i] = first ? scale * d : sum[i] + scale * d;
            }
            return total;
        }

        private sealed class Sum(NamedTensor current)
        {
            public NamedTensor Current { get; } = current;
            public float[]? Values { get; set; }
            public bool Started { get; set; }
            public double H { get; set; }
        }
    }
}
