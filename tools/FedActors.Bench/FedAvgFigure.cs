using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
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
        var advised = Best(repeat, () =>
        {
            var values = FreshMemory.Floats((int)ModelFloats);
            Array.Fill(values, 0f);
            GC.KeepAlive(values);
        });
        Console.WriteLine($"  the same with huge pages advised (FreshMemory): {advised * 1e3:F0} ms");
        foreach (var t in threads)
        {
            var triad = Best(repeat, () => Triad(a, b, c, 0.5f, t));
            var triadGbs = 12.0 * triadLength / triad / 1e9;
            Console.WriteLine($"  triad        {t} thread(s): {triadGbs,6:F1} GB/s ({triad * 1e3:F0} ms)");
            // TensorPrimitives writes arrays this large with non-temporal stores (no read for ownership); the same
            // triad with ordinary stores shows how much of the figure that is.
            var plain = Best(repeat, () => PlainTriad(a, b, c, 0.5f, t));
            var plainGbs = 12.0 * triadLength / plain / 1e9;
            Console.WriteLine($"  triad, ordinary stores {t} thread(s): {plainGbs,6:F1} GB/s = {100 * plainGbs / triadGbs:F0}% of triad");
            foreach (var width in new[] { 1, 8, clients })
            {
                foreach (var handOver in new[] { false, true })
                {
                    // Handed over, the first update's arrays become the sums: each run gets a private copy of it,
                    // made before the clock starts (in the engine a client's update is fresh memory it wrote).
                    ModelWeights? first = null;
                    var seconds = Best(
                        repeat,
                        () => first = handOver ? Copy(updates[0]) : updates[0],
                        () =>
                        {
                            var accumulator = new FedAvgAccumulator(width, t);
                            accumulator.Add(first!, examples[0], handOver);
                            for (var i = 1; i < clients; i++) accumulator.Add(updates[i], examples[i]);
                            GC.KeepAlive(accumulator.Result(current));
                        });
                    var gbs = updateBytes / seconds / 1e9;
                    Console.WriteLine(
                        $"  fedavg fold {width,2} {t} thread(s), {(handOver ? "first update handed over" : "fresh sums"),-24}: " +
                        $"{gbs,6:F1} GB/s ({seconds * 1e3:F0} ms) = {100 * gbs / triadGbs:F0}% of triad");
                }
            }
            // The accumulator's arithmetic alone: the same one-pass fold of all updates into sums that are
            // already in memory (the accumulator's sums are fresh buffers: they become the new global).
            var sums = updates[0].Select(tensor => Filled(tensor.Data.Length, 0f)).ToArray();
            var kernel = Best(repeat, () => Fold(updates, examples, sums, t));
            var kernelGbs = updateBytes / kernel / 1e9;
            // The floor under any fold: only reading the same updates (no multiply, no store). The triad's
            // TensorPrimitives stores are non-temporal, so its writes overlap its reads; a fold is 10 reads to 1 write.
            var read = Best(repeat, () => ReadAll(updates, t));
            var readGbs = updateBytes / read / 1e9;
            Console.WriteLine(
                $"  read only    {t} thread(s): {readGbs,6:F1} GB/s ({read * 1e3:F0} ms) = {100 * readGbs / triadGbs:F0}% of triad");
            Console.WriteLine(
                $"  fold kernel  {t} thread(s): {kernelGbs,6:F1} GB/s ({kernel * 1e3:F0} ms) = {100 * kernelGbs / triadGbs:F0}% of triad, " +
                $"{100 * kernelGbs / readGbs:F0}% of read only");
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

    /// <summary>
    /// The accumulator's arithmetic alone: one <see cref="Aggregation.FoldRange"/> pass of every update into sums
    /// already in memory, with the final division, over the same 64 Ki-float chunks in parallel.
    /// </summary>
    private static void Fold(List<ModelWeights> updates, List<long> examples, float[][] sums, int threads)
    {
        const int chunk = 64 * 1024;
        var weights = examples.Select(e => (float)e).ToArray();
        var divisor = weights.Sum();
        var sources = Enumerable.Range(0, sums.Length).Select(t => updates.Select(u => u[t].Data).ToArray()).ToArray();
        var pieces = new List<(int Tensor, int Start)>();
        for (var t = 0; t < sums.Length; t++)
        {
            for (var start = 0; start < sums[t].Length; start += chunk) pieces.Add((t, start));
        }
        Parallel.ForEach(pieces, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
        {
            var length = Math.Min(chunk, sums[c.Tensor].Length - c.Start);
            Aggregation.FoldRange(sums[c.Tensor], c.Start, length, false, sources[c.Tensor], weights, divisor);
        });
    }

    /// <summary>Reads every element of every update once (eight independent vector sums), over 64 Ki-float chunks in parallel.</summary>
    private static void ReadAll(List<ModelWeights> updates, int threads)
    {
        const int chunk = 64 * 1024;
        var pieces = new List<(float[] Data, int Start)>();
        foreach (var update in updates)
        {
            foreach (var tensor in update)
            {
                for (var start = 0; start < tensor.Data.Length; start += chunk) pieces.Add((tensor.Data, start));
            }
        }
        var total = 0f;
        var gate = new object();
        Parallel.ForEach(pieces, new ParallelOptions { MaxDegreeOfParallelism = threads }, piece =>
        {
            var sum = SumOf(piece.Data.AsSpan(piece.Start, Math.Min(chunk, piece.Data.Length - piece.Start)));
            lock (gate) total += sum;
        });
        GC.KeepAlive(total);
    }

    private static float SumOf(ReadOnlySpan<float> values)
    {
        ref var first = ref MemoryMarshal.GetReference(values);
        var width = (nuint)Vector<float>.Count;
        var n = (nuint)values.Length;
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        nuint i = 0;
        for (; i + 8 * width <= n; i += 8 * width)
        {
            s0 += Vector.LoadUnsafe(ref first, i);
            s1 += Vector.LoadUnsafe(ref first, i + width);
            s2 += Vector.LoadUnsafe(ref first, i + 2 * width);
            s3 += Vector.LoadUnsafe(ref first, i + 3 * width);
            s4 += Vector.LoadUnsafe(ref first, i + 4 * width);
            s5 += Vector.LoadUnsafe(ref first, i + 5 * width);
            s6 += Vector.LoadUnsafe(ref first, i + 6 * width);
            s7 += Vector.LoadUnsafe(ref first, i + 7 * width);
        }
        var total = Vector.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
        for (; i < n; i++) total += values[(int)i];
        return total;
    }

    private static void PlainTriad(float[] a, float[] b, float[] c, float s, int threads)
    {
        var part = a.Length / threads;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var start = t * part;
            var end = t == threads - 1 ? a.Length : start + part;
            ref var x = ref MemoryMarshal.GetArrayDataReference(b);
            ref var y = ref MemoryMarshal.GetArrayDataReference(c);
            ref var z = ref MemoryMarshal.GetArrayDataReference(a);
            var width = Vector<float>.Count;
            var scale = new Vector<float>(s);
            var i = start;
            for (; i <= end - width; i += width)
                (Vector.LoadUnsafe(ref x, (nuint)i) + Vector.LoadUnsafe(ref y, (nuint)i) * scale).StoreUnsafe(ref z, (nuint)i);
            for (; i < end; i++) a[i] = b[i] + c[i] * s;
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

    private static double Best(int repeat, Action action) => Best(repeat, () => { }, action);

    /// <summary>Best wall time of <paramref name="action"/>, each run after an untimed <paramref name="setup"/>.</summary>
    private static double Best(int repeat, Action setup, Action action)
    {
        setup();
        action(); // warm-up: JIT, page faults
        var best = double.MaxValue;
        for (var i = 0; i < repeat; i++)
        {
            setup();
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static ModelWeights Copy(ModelWeights weights) =>
        new(weights.Select(t => new NamedTensor(t.Name, t.Shape, (float[])t.Data.Clone())));
}
