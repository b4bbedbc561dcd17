using System.Diagnostics;
using FedActors.Core;
using FedActors.Core.Strategies;

namespace FedActors.Bench;

/// <summary>
/// Aggregation time of every strategy of <see cref="StrategyFactory"/> for 10 and 50 ResNet18-sized updates
/// (torchvision resnet18's 62 parameter tensors, 11,689,512 floats), FedAvg first as the baseline, all in one process
/// per update count: the median of <c>--repeat</c> timed calls of <see cref="IStrategy.AggregateFit"/> after one
/// untimed warm-up (a server optimiser's state then exists, as in every round after the first). Also per strategy the
/// bytes it allocates per call (what it needs beyond the updates, which the round holds anyway), and the process's peak
/// RSS after it. Krum, MultiKrum and Bulyan use f = floor((n - 3) / 4), the most Bulyan allows (1 and 11); FedAvgM
/// momentum 0.9 (with the defaults it is FedAvg); the rest Flower's defaults (FedProx mu = 0.01).
/// </summary>
internal static class StrategiesFigure
{
    public static void Run(BenchOptions options)
    {
        var repeat = options.Int("repeat", 3);
        Console.WriteLine($"strategies: ResNet18-sized updates ({ResNet18.Sum(t => (long)t.Length):N0} floats, {ResNet18.Length} tensors), " +
            $"{Environment.ProcessorCount} cores, median of {repeat} after a warm-up, each update count in its own process");
        foreach (var count in options.Ints("clients", 10, 50))
        {
            var output = ChildProcess.RunSelf(["--figure", "strategies-child", "--clients", $"{count}", "--repeat", $"{repeat}", "--only", options.Get("only", "")]);
            Console.WriteLine(output);
        }
    }

    public static void RunChild(BenchOptions options)
    {
        var count = options.Int("clients", 10);
        var repeat = options.Int("repeat", 3);
        var only = options.Get("only", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var current = Model(seed: 0);
        var results = Enumerable.Range(1, count)
            .Select(c => new FitRes($"client-{c:D3}", 1, Model(seed: c), 100 + 37 * c, new Dictionary<string, double> { [MetricNames.Loss] = 1 + 0.01 * c }))
            .ToList();
        var f = Math.Max(0, (count - 3) / 4);
        Console.WriteLine($"  {count} updates ({count * ResNet18.Sum(t => (long)t.Length) * 4 / 1e9:F2} GB), f = {f}; peak RSS with the updates built: {ChildProcess.StatusMiB("VmHWM"):F0} MiB");
        Console.WriteLine($"  {"strategy",-14} {"median ms",10} {"x fedavg",9} {"allocated MB",13} {"peak RSS MiB",13}  memory");
        double? baseline = null;
        foreach (var name in StrategyFactory.Names.Where(n => only.Length == 0 || only.Contains(n) || n == "fedavg"))
        {
            var parameters = name switch
            {
                "krum" or "multikrum" or "bulyan" => new Dictionary<string, double> { ["f"] = f },
                "fedavgm" => new Dictionary<string, double> { ["server-momentum"] = 0.9 },
                "fedprox" => new Dictionary<string, double> { ["mu"] = 0.01 },
                _ => new Dictionary<string, double>(),
            };
            var strategy = StrategyFactory.Create(new StrategySpec(name, parameters));
            GC.KeepAlive(strategy.AggregateFit(1, Phases.SimClr, current, results, [])); // warm-up: JIT, state, page faults
            GC.Collect();
            var times = new List<double>();
            long allocated = 0;
            for (var r = 0; r < repeat; r++)
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                var clock = Stopwatch.StartNew();
                var global = strategy.AggregateFit(2 + r, Phases.SimClr, current, results, []);
                times.Add(clock.Elapsed.TotalMilliseconds);
                allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
                GC.KeepAlive(global);
                global = null;
                GC.Collect();
            }
            var median = times.Order().ElementAt(times.Count / 2);
            baseline ??= median;
            var described = (IDescribedStrategy)strategy;
            var note = described.BuffersUpdates ? "buffers O(n x model)" : "streams O(model)";
            if (described.LastFitMetrics.Count > 0) note += "; " + string.Join(", ", described.LastFitMetrics.Select(kv => $"{kv.Key} = {kv.Value}"));
            Console.WriteLine($"  {name,-14} {median,10:F0} {median / baseline.Value,9:F2} {allocated / 1e6,13:F0} {ChildProcess.StatusMiB("VmHWM"),13:F0}  {note}");
        }
    }

    /// <summary>torchvision resnet18's parameters (no BatchNorm buffers): 11,689,512 floats.</summary>
    private static readonly (string Name, int Length)[] ResNet18 = Build();

    private static (string Name, int Length)[] Build()
    {
        var tensors = new List<(string, int)> { ("conv1.weight", 64 * 3 * 7 * 7), ("bn1.weight", 64), ("bn1.bias", 64) };
        var inputs = 64;
        foreach (var (layer, width) in new[] { (1, 64), (2, 128), (3, 256), (4, 512) })
        {
            for (var block = 0; block < 2; block++)
            {
                var prefix = $"layer{layer}.{block}.";
                var into = block == 0 ? inputs : width;
                tensors.Add((prefix + "conv1.weight", width * into * 9));
                tensors.Add((prefix + "bn1.weight", width));
                tensors.Add((prefix + "bn1.bias", width));
                tensors.Add((prefix + "conv2.weight", width * width * 9));
                tensors.Add((prefix + "bn2.weight", width));
                tensors.Add((prefix + "bn2.bias", width));
                if (block == 0 && into != width)
                {
                    tensors.Add((prefix + "downsample.0.weight", width * into));
                    tensors.Add((prefix + "downsample.1.weight", width));
                    tensors.Add((prefix + "downsample.1.bias", width));
                }
            }
            inputs = width;
        }
        tensors.Add(("fc.weight", 1000 * 512));
        tensors.Add(("fc.bias", 1000));
        var total = tensors.Sum(t => (long)t.Item2);
        if (total != 11_689_512) throw new InvalidOperationException($"resnet18 has 11,689,512 parameters, the table {total}");
        return [.. tensors];
    }

    /// <summary>A model of <see cref="ResNet18"/>'s tensors with small pseudo-random values (xorshift: fast to fill 2 GB).</summary>
    private static ModelWeights Model(int seed)
    {
        var state = (uint)(seed * 2_654_435_761u + 12345) | 1;
        return new ModelWeights(ResNet18.Select(t =>
        {
            var data = GC.AllocateUninitializedArray<float>(t.Length);
            for (var i = 0; i < data.Length; i++)
            {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                data[i] = (state >> 8) * (1f / (1 << 24)) - 0.5f;
            }
            return new NamedTensor(t.Name, [t.Length], data);
        }));
    }
}
