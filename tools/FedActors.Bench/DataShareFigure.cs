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
/// Share of a SimCLR training step spent on data once the images are cached in memory (issue 3's goal:
/// under 10 %). A step is timed in three parts, exactly as <c>TorchClient</c> runs them: (1) gathering the
/// batch from the uint8 cache into a tensor, (2) the per-sample augmentation of both views plus
/// normalisation, (3) forward, NT-Xent, backward and the optimiser step. Data = (1); data pipeline = (1)+(2).
/// Cases: the default experiment's network at 32 px and paper-mini's at 64 px, batch 128.
/// </summary>
internal static class DataShareFigure
{
    public static void Run(BenchOptions options)
    {
        var threads = options.Int("threads", Environment.ProcessorCount);
        var steps = options.Int("steps", 10);
        TorchRuntime.Configure(threads);
        Console.WriteLine($"datashare: SimCLR step split into gather / augment / compute, batch 128, {threads} torch threads, {steps} timed steps");
        foreach (var size in options.Ints("sizes", 32, 64)) Case(size, steps);
    }

    private static void Case(int size, int steps)
    {
        const int batch = 128;
        manual_seed(1);
        var data = SyntheticTasks.Generate(new SyntheticSpec { ImageSize = size }, SyntheticTasks.Shapes, 1024, seed: 1);
        var settings = new LearningSettings();
        var spec = new BackboneSpec { Architecture = ResNetArchitecture.ResNet18, Stem = StemKind.SmallStrided, Width = 0.25, Blocks = [1, 1, 1, 1] };
        using var backbone = new ResNet(spec);
        using var projector = ProjectionHead.For(spec);
        backbone.train();
        projector.train();
        using var optimizer = Optimizers.Create(backbone.parameters().Concat(projector.parameters()), settings.SimClr, 1e-3);
        using var generator = new Generator(7, CPU);
        var random = new Random(3);
        TimeSpan gather = default, augment = default, compute = default;
        var clock = new Stopwatch();

        for (var step = -2; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var indices = Enumerable.Range(0, batch).Select(_ => random.Next(data.Count)).ToArray();
            clock.Restart();
            var images = Batches.Images(data, indices, CPU);
            var t1 = clock.Elapsed;
            var views = cat([
                ImageAugmentation.AugmentAndNormalize(images, settings.SimClrAugment, settings.Normalization, generator),
                ImageAugmentation.AugmentAndNormalize(images, settings.SimClrAugment, settings.Normalization, generator),
            ], 0);
            var t2 = clock.Elapsed;
            var z = projector.call(backbone.call(views));
            var loss = NtXentLoss.Compute(z.narrow(0, 0, batch), z.narrow(0, batch, batch), settings.Temperature);
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
            _ = loss.item<float>();
            var t3 = clock.Elapsed;
            if (step < 0) continue; // warm-up
            gather += t1;
            augment += t2 - t1;
            compute += t3 - t2;
        }

        var total = (gather + augment + compute).TotalMilliseconds;
        Console.WriteLine(
            $"  {size} px: per step gather {gather.TotalMilliseconds / steps:F1} ms, augment {augment.TotalMilliseconds / steps:F1} ms, " +
            $"compute {compute.TotalMilliseconds / steps:F1} ms; data share {100 * gather.TotalMilliseconds / total:F2} %, " +
            $"with augmentation {100 * (gather + augment).TotalMilliseconds / total:F2} %");
    }
}
