using System.Diagnostics;
using System.Numerics.Tensors;
using FedActors.Core;
using FedActors.Core.Strategies;

namespace FedActors.Bench;

/// <summary>
/// FedAvg of ten ResNet50-sized updates (25.6 M floats each) through <see cref="FedAvgAccumulator"/>, in GB/s
/// of update bytes read, against a SIMD triad <c>a[i] = b[i] + s * c[i]</c> over three 256 MB arrays
/// (STREAM's count: 12 bytes per element) measured in the same process, at the same thread counts.
/// Best of <c>--repeat</c> runs each: the machine is shared, the best run is the least disturbed.
/// </summary>
internal static class FedAvgFigure
{
    private const long ModelFloats = 25_557_032; // torchvision resnet50's parameter count

    public static void Run(BenchOptions options)
    {
        var repeat = options.Int("repeat", 5);
        var clients = options.Int("clients", 10);
        var threads = options.Ints("threads", 1, 2);
        Console.WriteLine($"fedavg: {clients} updates x {ModelFloats / 1e6:F1} M floats, {Environment.ProcessorCount} cores, best of {repeat}");

        var updates = Enumerable.Range(0, clients).Select(c => Update(seed: c)).ToList();
        var examples = Enumerable.Range(0, clients).Select(c => 100L + 37 * c).ToList();
        var current = new ModelWeights(updates[0].Select(t => new NamedTensor(t.Name, t.Shape, new float[t.Data.Length])));
        var updateBytes = (double)clients * ModelFloats * sizeof(float);

        const int triadLength = 64 * 1024 * 1024; // 256 MB per array
        var a = new float[triadLength];
        var b = Filled(triadLength, 1);
        var c = Filled(triadLength, 2);
        // What a fresh model-sized buffer costs here (the result of every aggregation is one): page faults
        // on a loaded virtual machine can cost more than the arithmetic.
        var allocate = Best(repeat, () => GC.KeepAlive(Filled(ModelFloats, 0f)));
        Console.WriteLine($"  allocate and write one model-sized buffer ({ModelFloats * 4 / 1e6:F0} MB): {allocate * 1e3:F0} ms");
        foreach (var t in threads)
        {
            var triad = Best(repeat, () => Triad(a, b, c, 0.5f, t));
            var triadGbs = 12.0 * triadLength / triad / 1e9;
            Console.WriteLine($"  triad        {t} thread(s): {triadGbs,6:F1} GB/s ({triad * 1e3:F0} ms)");
            foreach (var width in new[] { 1, 8 })
            {
                var seconds = Best(repeat, () =>
                {
                    var accumulator = new FedAvgAccumulator(width, t);
                    for (var i = 0; i < clients; i++) accumulator.Add(updates[i], examples[i]);
                    GC.KeepAlive(accumulator.Result(current));
                });
                var gbs = updateBytes / seconds / 1e9;
                Console.WriteLine(
                    $"  fedavg fold {width} {t} thread(s): {gbs,6:F1} GB/s ({seconds * 1e3:F0} ms) = {100 * gbs / triadGbs:F0}% of triad");
            }
            // The accumulator's arithmetic alone: the same chunked fold of all updates into a sum that is
            // already in memory (the accumulator's sums are a fresh buffer: they become the new global).
            var sum = Filled(ModelFloats, 0f);
            var kernel = Best(repeat, () => Fold(updates, examples, sum, t));
            var kernelGbs = updateBytes / kernel / 1e9;
            Console.WriteLine(
                $"  fold kernel  {t} thread(s): {kernelGbs,6:F1} GB/s ({kernel * 1e3:F0} ms) = {100 * kernelGbs / triadGbs:F0}% of triad");
        }
    }

    /// <summary>Tensors shaped like a ResNet50's: a few large convolutions, many small BatchNorm vectors.</summary>
    private static ModelWeights Update(int seed)
    {
        int[] sizes = [2_359_296, 1_048_576, 589_824, 262_144, 147_456, 65_536, 36_864, 16_384, 2048, 1024, 512, 256];
        var tensors = new List<NamedTensor>();
        long left = ModelFloats;
        for (var i = 0; left > 0; i++)
        {
            var n = (int)Math.Min(sizes[i % sizes.Length], left);
            tensors.Add(new NamedTensor($"backbone.t{i}", [n], Filled(n, seed * 7919 + i)));
            left -= n;
        }
        return new ModelWeights(tensors);
    }

    private static float[] Filled(long length, float value)
    {
        var values = GC.AllocateUninitializedArray<float>((int)length);
        Array.Fill(values, value);
        return values;
    }

    private static float[] Filled(int length, int seed)
    {
        var values = new float[length];
        var random = new Random(seed);
        for (var i = 0; i < values.Length; i++) values[i] = (float)random.NextDouble() - 0.5f;
        return values;
    }

    /// <summary>FedAvgAccumulator's fold with every update waiting: per 16 Ki-float chunk, sum = w0 x0, then += wi xi.</summary>
    private static void Fold(List<ModelWeights> updates, List<long> examples, float[] sum, int threads)
    {
        const int chunk = 16 * 1024;
        var offsets = new List<(int Tensor, int Start, int Offset)>();
        var offset = 0;
        for (var t = 0; t < updates[0].Count; t++)
        {
            for (var start = 0; start < updates[0][t].Data.Length; start += chunk) offsets.Add((t, start, offset + start));
            offset += updates[0][t].Data.Length;
        }
        Parallel.ForEach(offsets, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
        {
            var length = Math.Min(chunk, updates[0][c.Tensor].Data.Length - c.Start);
            var acc = sum.AsSpan(c.Offset, length);
            TensorPrimitives.Multiply(updates[0][c.Tensor].Data.AsSpan(c.Start, length), examples[0], acc);
            for (var u = 1; u < updates.Count; u++)
                TensorPrimitives.MultiplyAdd(updates[u][c.Tensor].Data.AsSpan(c.Start, length), examples[u], acc, acc);
        });
    }

    private static void Triad(float[] a, float[] b, float[] c, float s, int threads)
    {
        var part = a.Length / threads;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var start = t * part;
            var length = t == threads - 1 ? a.Length - start : part;
            TensorPrimitives.MultiplyAdd(c.AsSpan(start, length), s, b.AsSpan(start, length), a.AsSpan(start, length));
        });
    }

    private static double Best(int repeat, Action action)
    {
        action(); // warm-up: JIT, page faults
        var best = double.MaxValue;
        for (var i = 0; i < repeat; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }
}
