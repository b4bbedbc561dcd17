using System.Diagnostics;
using FedActors.Learning;
using FedActors.Learning.Models;
using FedActors.Learning.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace FedActors.Bench;

/// <summary>
/// One supervised training step (forward, cross entropy, backward, SGD with momentum) in img/s: resnet18 at
/// 32 px (CIFAR stem) batch 128 and resnet50 at 224 px (ImageNet stem) batch 8, on <c>--threads</c> torch
/// threads. Each case runs in a child process, with and without the glibc malloc tunables (glibc reads them
/// only at process start), and the same model, batch and threads in PyTorch (<c>pytorch_step.py</c>, run by
/// <c>--python</c>, Debian's python3-torch) with the same oneDNN ISA cap and OpenMP wait policy.
/// </summary>
internal static class TrainFigure
{
    private const string Tunables =
        "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296:glibc.malloc.top_pad=268435456";

    private static readonly (string Model, int Size, int Batch, int Steps)[] Cases = [("resnet18", 32, 128, 3), ("resnet50", 224, 8, 3)];

    public static void Run(BenchOptions options)
    {
        var threads = options.Int("threads", Environment.ProcessorCount);
        var python = options.Get("python", "/usr/bin/python3");
        var script = Path.Combine(AppContext.BaseDirectory, "pytorch_step.py");
        Console.WriteLine($"train: img/s of one training step, {threads} torch threads, {Environment.ProcessorCount} cores");
        foreach (var (model, size, batch, steps) in Cases)
        {
            string[] args = ["--figure", "train-child", "--model", model, "--size", $"{size}", "--batch", $"{batch}", "--steps", $"{steps}", "--threads", $"{threads}"];
            var plain = Rate(ChildProcess.RunSelf(args, new Dictionary<string, string?> { ["GLIBC_TUNABLES"] = null }));
            var tuned = Rate(ChildProcess.RunSelf(args, new Dictionary<string, string?> { ["GLIBC_TUNABLES"] = Tunables }));
            var pytorch = Rate(ChildProcess.Run(python, [script, model, $"{size}", $"{batch}", $"{steps}", $"{threads}"],
                new Dictionary<string, string?>
                {
                    ["GLIBC_TUNABLES"] = null,
                    [TorchRuntime.OneDnnIsaVariable] = Environment.GetEnvironmentVariable(TorchRuntime.OneDnnIsaVariable) ?? "AVX2",
                    [TorchRuntime.OmpWaitPolicyVariable] = Environment.GetEnvironmentVariable(TorchRuntime.OmpWaitPolicyVariable) ?? "PASSIVE",
                }));
            Console.WriteLine(
                $"  {model} {size} px batch {batch}: TorchSharp {plain,6:F2} img/s, with tunables {tuned,6:F2} img/s ({tuned / plain:F2}x), " +
                $"PyTorch 1.13 {pytorch,6:F2} img/s (TorchSharp/PyTorch {plain / pytorch:F2}, with tunables {tuned / pytorch:F2})");
        }
    }

    private static double Rate(string output) =>
        double.Parse(output.Split('\n')[^1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Times <c>--steps</c> steps after one warm-up step; prints "img/s" as the last line.</summary>
    public static void RunChild(BenchOptions options)
    {
        var model = options.Get("model", "resnet18");
        var size = options.Int("size", 32);
        var batch = options.Int("batch", 128);
        var steps = options.Int("steps", 3);
        TorchRuntime.Configure(options.Int("threads", Environment.ProcessorCount));
        manual_seed(1);
        var spec = model == "resnet50"
            ? new BackboneSpec { Architecture = ResNetArchitecture.ResNet50, Stem = StemKind.ImageNet }
            : new BackboneSpec { Architecture = ResNetArchitecture.ResNet18, Stem = StemKind.Small };
        using var backbone = new ResNet(spec);
        using var head = TaskHead.Create(backbone.FeatureDim, 10);
        backbone.train();
        head.train();
        // The optimiser FedActors trains with (PyTorch's SGD update rule; see LocalOptimizer).
        using var optimizer = Optimizers.Create(backbone.parameters().Concat(head.parameters()),
            new PhaseSettings { Optimizer = OptimizerKind.Sgd, Momentum = 0.9, WeightDecay = 0 }, 0.01);
        using var images = randn(batch, 3, size, size);
        using var labels = randint(0, 10, [batch], dtype: int64);

        void Step()
        {
            using var scope = NewDisposeScope();
            var loss = F.cross_entropy(head.call(backbone.call(images)), labels);
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
        }

        Step();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++) Step();
        Console.WriteLine($"{steps * batch / clock.Elapsed.TotalSeconds:F3} img/s");
    }
}
