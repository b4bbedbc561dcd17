using System.Diagnostics;
using FedActors.Data.Synthetic;
using FedActors.Learning;
using FedActors.Learning.Augmentation;
using FedActors.Learning.Models;
using FedActors.Learning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FedActors.Bench;

/// <summary>
/// SimCLR training throughput in img/s (issue 6's GPU figure: ResNet50 at 224 px), with several trainers sharing one
/// device: each trainer is a thread with a network of its own running the step <c>TorchClient</c> runs (gather the
/// batch from the uint8 cache onto the device, per-sample augmentation of both views, forward, NT-Xent, backward,
/// AdamW step). Images per second count source images (each gives two views), summed over the trainers, over
/// <c>--steps</c> timed steps after 2 warm-up steps; <c>loss.item()</c> ends every step, so GPU work is waited for.
/// Options: <c>--device</c> (auto, cpu, cuda, cuda:N), <c>--trainers 1,2</c>, <c>--batch 64</c>, <c>--size 224</c>,
/// <c>--model resnet50|resnet18</c>, <c>--steps 10</c>, <c>--threads</c> (torch threads per trainer on CPU),
/// <c>--precision fp32,bf16,fp16</c> (each in turn; the low ones through <see cref="MixedPrecision"/>, as
/// <c>fedactors.precision</c> trains), <c>--augment simclr|none</c> (none: the views are the normalised images, to
/// tell the augmentation's share of a step from the network's), <c>--memory-format auto,channels-first,channels-last</c>
/// and <c>--cudnn-benchmark on,off</c> (each in turn; defaults as <c>fedactors.memory-format</c> and
/// <c>fedactors.cudnn-benchmark</c>: auto and on).
/// </summary>
internal static class SimClrFigure
{
    public static void Run(BenchOptions options)
    {
        var device = DeviceSelector.Resolve(options.Get("device", "auto"));
        var model = options.Get("model", "resnet50");
        var augmentName = options.Get("augment", "simclr");
        var augment = augmentName switch
        {
            "simclr" => AugmentSettings.SimClr,
            "none" => AugmentSettings.None,
            var other => throw new ArgumentException($"--augment: expected simclr or none, got '{other}'"),
        };
        var size = options.Int("size", 224);
        var batch = options.Int("batch", 64);
        var steps = options.Int("steps", 10);
        var trainerCounts = options.Ints("trainers", 1, 2);
        var precisions = List(options.Get("precision", "fp32")).Select(LearningSettings.ParsePrecision).ToList();
        var formats = List(options.Get("memory-format", "auto")).Select(MemoryFormats.Parse).ToList();
        var benchmarks = List(options.Get("cudnn-benchmark", "on")).Select(v => v switch
        {
            "on" or "true" => true,
            "off" or "false" => false,
            _ => throw new ArgumentException($"--cudnn-benchmark: expected on or off, got '{v}'"),
        }).ToList();
        TorchRuntime.Configure(options.Int("threads", Math.Max(1, Environment.ProcessorCount / trainerCounts.Max())));
        var spec = model == "resnet18"
            ? new BackboneSpec { Architecture = ResNetArchitecture.ResNet18, Stem = size >= 96 ? StemKind.ImageNet : StemKind.Small }
            : new BackboneSpec { Architecture = ResNetArchitecture.ResNet50, Stem = StemKind.ImageNet };
        var data = SyntheticTasks.Generate(new SyntheticSpec { ImageSize = size }, SyntheticTasks.Shapes, Math.Max(2 * batch, 64), seed: 1);
        Console.WriteLine($"simclr: {model} {size} px, batch {batch} (two views each), device {device}, augmentation {augmentName}, {steps} timed steps per trainer");
        foreach (var benchmark in benchmarks)
        foreach (var format in formats)
        foreach (var precision in precisions)
        foreach (var trainers in trainerCounts)
        {
            TorchRuntime.ApplyCudnnBenchmark(benchmark);
            var channelsLast = format.IsChannelsLastOn(device);
            var ready = new Barrier(trainers);
            var rates = new double[trainers];
            var threads = Enumerable.Range(0, trainers).Select(k => new Thread(() => rates[k] = Trainer(k, spec, device, channelsLast, precision, augment, data, batch, steps, ready))).ToList();
            var wall = Stopwatch.StartNew();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Console.WriteLine(
                $"  {precision,-8} {(channelsLast ? "NHWC" : "NCHW")} {(device.type == DeviceType.CUDA ? benchmark ? "tuned " : "plain " : "")}{trainers} trainer(s): {rates.Sum(),8:F1} img/s in all ({string.Join(", ", rates.Select(r => r.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))} each), wall {wall.Elapsed.TotalSeconds:F1} s");
        }
    }

    // One trainer: warms up, waits for the others, then times its steps; returns its source images per second.
    private static double Trainer(
        int index, BackboneSpec spec, Device device, bool channelsLast, TrainingPrecision precision, AugmentSettings augment, FedActors.Data.ImageDataset data,
        int batch, int steps, Barrier ready)
    {
        manual_seed(index + 1);
        var settings = new LearningSettings { SimClrAugment = augment };
        using var network = new ClientNetwork(spec, "bench", 10, device, channelsLast);
        network.Backbone.train();
        network.Projector.train();
        using var mixed = precision == TrainingPrecision.Float32 ? null : new MixedPrecision([network.Backbone, network.Projector], precision);
        using var optimizer = Optimizers.Create(
            mixed?.Masters ?? network.Backbone.parameters().Concat(network.Projector.parameters()), settings.SimClr, 1e-3);
        using var generator = new Generator((ulong)(7 + index), CPU);
        var random = new Random(3 + index);
        void Step()
        {
            using var scope = NewDisposeScope();
            var indices = Enumerable.Range(0, batch).Select(_ => random.Next(data.Count)).ToArray();
            var loss = SimClrStep.Loss(network.Backbone, network.Projector, Batches.Images(data, indices, device), settings, generator);
            Optimizers.BackwardAndStep(optimizer, loss, mixed);
            _ = loss.item<float>();
        }
        Step();
        Step();
        ready.SignalAndWait();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++) Step();
        return steps * batch / clock.Elapsed.TotalSeconds;
    }

    private static IEnumerable<string> List(string values) =>
        values.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(v => v.ToLowerInvariant());
}
