using System.Diagnostics;
using FedActors.Core;
using FedActors.Data;
using FedActors.Learning.Models;
using FedActors.Learning.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

/// <summary>A fact that runs only when <c>FEDACTORS_BENCHMARK=1</c>; otherwise it is reported as skipped.</summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("FEDACTORS_BENCHMARK") != "1")
            Skip = "timing only: run with FEDACTORS_BENCHMARK=1";
    }
}

/// <summary>
/// SimCLR training throughput of <see cref="TorchClient"/> (two augmented views per image, forward,
/// backward, AdamW step) on 32 px images with 2 torch threads. Reports, asserts nothing about speed.
/// Wall-clock figures depend on what else runs on the machine, so the CPU-time rate and the load average
/// are printed beside them.
/// <code>
/// FEDACTORS_BENCHMARK=1 dotnet test tests/FedActors.Learning.Tests --filter Category=Benchmark --logger "console;verbosity=detailed"
/// </code>
/// </summary>
[Collection("torch")]
[Trait("Category", "Benchmark")]
public sealed class ThroughputBenchmarks(ITestOutputHelper output)
{
    [BenchmarkFact]
    public void SimClr_images_per_second_resnet18_small_strided_width_quarter_blocks_1111() =>
        Measure(new BackboneSpec { Stem = StemKind.SmallStrided, Width = 0.25, Blocks = [1, 1, 1, 1] }, images: 1024);

    [BenchmarkFact]
    public void SimClr_images_per_second_resnet18_small_width_half_blocks_2222() =>
        Measure(new BackboneSpec { Stem = StemKind.Small, Width = 0.5, Blocks = [2, 2, 2, 2] }, images: 256);

    private void Measure(BackboneSpec spec, int images)
    {
        TorchRuntime.Configure(2);
        try
        {
            const int batch = 128;
            var unlabeled = TestData.RandomImages("unlabeled", images, 4, size: 32, seed: 1);
            var data = new ClientData("bench", "task", TestData.RandomImages("labeled", 8, 4, size: 32), unlabeled, unlabeled);
            var settings = new LearningSettings { SimClr = new PhaseSettings { BatchSize = batch, LocalEpochs = 1 } };
            var global = ModelFactory.InitialGlobal(spec, new Dictionary<string, int> { ["task"] = 4 }, seed: 1);
            using var client = new TorchClient(data, spec, settings, runSeed: 1, CPU);
            var fit = new FitIns(1, Phases.SimClr, global, new Dictionary<string, string>());

            client.Fit(fit with { Round = 0 }, CancellationToken.None); // warm-up: kernels, allocator
            using var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            client.Fit(fit, CancellationToken.None);
            var seconds = clock.Elapsed.TotalSeconds;
            process.Refresh();
            var cpuSeconds = (process.TotalProcessorTime - cpuBefore).TotalSeconds;

            output.WriteLine(
                $"{spec.Architecture} stem={spec.Stem} width={spec.Width} blocks=[{string.Join(",", spec.StageBlocks)}] 32px batch {batch}, " +
                $"2 threads, {TorchRuntime.OneDnnIsaVariable}={Environment.GetEnvironmentVariable(TorchRuntime.OneDnnIsaVariable)}, " +
                $"{TorchRuntime.OmpWaitPolicyVariable}={Environment.GetEnvironmentVariable(TorchRuntime.OmpWaitPolicyVariable)}: " +
                $"{images / seconds:F0} img/s wall ({images} images in {seconds:F2} s; {images / cpuSeconds:F0} img per CPU-second; " +
                $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores)");
        }
        finally
        {
            TorchRuntime.Configure(1);
        }
    }
}
