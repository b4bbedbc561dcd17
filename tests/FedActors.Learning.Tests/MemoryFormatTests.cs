using FedActors.Core;
using FedActors.Learning.Models;
using FedActors.Learning.Training;
using FedActors.Learning.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

[Collection("torch")]
public sealed class MemoryFormatTests
{
    private static readonly Dictionary<string, string> Config = new() { ["total-rounds"] = "3" };

    // Two stride-2 stages with downsamples and a stride-1 one: every kind of convolution the ResNets have.
    private static readonly BackboneSpec Spec = new()
    {
        Architecture = ResNetArchitecture.ResNet18,
        Stem = StemKind.Small,
        Width = 0.125,
        Blocks = [1, 1, 1, 1],
        ProjectionDim = 16,
    };

    [Fact]
    public void To_channels_last_must_keep_values_and_shape_and_change_the_strides()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 5, 4);

        var laidOut = MemoryFormats.ToChannelsLast(x);

        Assert.Equal(x.shape, laidOut.shape);
        Assert.True(laidOut.eq(x).all().item<bool>());
        Assert.Equal(new long[] { 60, 1, 12, 3 }, Enumerable.Range(0, 4).Select(d => laidOut.stride(d)).ToArray());
        Assert.False(MemoryFormats.IsChannelsLast(x));
        Assert.True(MemoryFormats.IsChannelsLast(laidOut));
        Assert.True(MemoryFormats.IsChannelsLast(MemoryFormats.ToChannelsLast(laidOut)));
        Assert.Throws<ArgumentException>(() => MemoryFormats.ToChannelsLast(randn(3, 4)));
    }

    [Fact]
    public void Channels_last_network_must_compute_what_the_channels_first_one_computes()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        using var first = new ResNet(Spec);
        using var last = new ResNet(Spec);
        StateDict.Import(last, StateDict.Export(first, ""), "");

        last.UseChannelsLast();

        Assert.True(last.ChannelsLast);
        Assert.All(last.parameters().Where(p => p.dim() == 4), p => Assert.True(MemoryFormats.IsChannelsLast(p)));
        // The exchanged weights do not see the layout.
        Assert.Equal(StateDict.Export(first, "").ContentHash(), StateDict.Export(last, "").ContentHash());

        var x = randn(4, 3, 16, 16);
        var outFirst = first.call(x);
        var outLast = last.call(x);
        Assert.True(outLast.allclose(outFirst, rtol: 1e-4, atol: 1e-5), $"max difference {outLast.sub(outFirst).abs().max().item<float>()}");

        outFirst.square().mean().backward();
        outLast.square().mean().backward();
        var pairs = first.named_parameters().Zip(last.named_parameters()).ToList();
        Assert.NotEmpty(pairs);
        foreach (var ((name, a), (_, b)) in pairs)
        {
            var scale = a.grad!.abs().max().item<float>() + 1e-12f;
            var difference = b.grad!.sub(a.grad!).abs().max().item<float>();
            Assert.True(difference <= 1e-3f * scale, $"{name}: gradients differ by {difference} (largest {scale})");
        }
    }

    [Theory]
    [InlineData(TrainingPrecision.Float32)]
    [InlineData(TrainingPrecision.BFloat16)]
    public void Channels_last_fit_must_train_as_the_channels_first_fit_and_keep_its_layout(TrainingPrecision precision)
    {
        var global = ModelFactory.InitialGlobal(Spec, new Dictionary<string, int> { ["shapes"] = 4 }, seed: 1);
        FitRes Fit(MemoryFormat format)
        {
            var settings = new LearningSettings
            {
                SimClr = new PhaseSettings { BatchSize = 8, LocalEpochs = 1, LearningRate = 3e-3 },
                EvalBatchSize = 5,
                Precision = precision,
                MemoryFormat = format,
            };
            using var pool = new NetworkPool();
            using var client = new TorchClient(TestData.Client("client-a"), Spec, settings, runSeed: 7, CPU, pool);
            var result = client.Fit(new FitIns(1, Phases.SimClr, global, Config), CancellationToken.None);
            var channelsLast = format.IsChannelsLastOn(CPU);
            using var lease = pool.Rent(Spec, client.Task, 4, CPU, channelsLast);
            Assert.Equal(1, pool.Created); // the network the fit used, not a new one
            Assert.Equal(channelsLast, lease.Network.Backbone.ChannelsLast);
            foreach (var parameter in lease.Network.Backbone.parameters().Where(p => p.dim() == 4))
            {
                Assert.Equal(ScalarType.Float32, parameter.dtype);
                // (A 1x1 kernel is both: check the layout asked for.)
                Assert.True(channelsLast ? MemoryFormats.IsChannelsLast(parameter) : parameter.is_contiguous());
            }
            return result;
        }

        var first = Fit(MemoryFormat.ChannelsFirst);
        var last = Fit(MemoryFormat.ChannelsLast);

        Assert.Equal(first.Weights.Names, last.Weights.Names);
        Assert.InRange(last.Metrics[MetricNames.Loss], 0.98 * first.Metrics[MetricNames.Loss], 1.02 * first.Metrics[MetricNames.Loss]);
        foreach (var name in new[] { "backbone.conv1.weight", "backbone.layer2.0.downsample.0.weight", "backbone.layer4.0.conv2.weight" })
        {
            var start = global[name].Data;
            var stepFirst = start.Zip(first.Weights[name].Data, (s, w) => (double)w - s).ToArray();
            var stepLast = start.Zip(last.Weights[name].Data, (s, w) => (double)w - s).ToArray();
            var norm = Math.Sqrt(stepFirst.Sum(v => v * v));
            var gap = Math.Sqrt(stepFirst.Zip(stepLast, (a, b) => (a - b) * (a - b)).Sum());
            Assert.True(norm > 0, $"{name} did not move");
            var cosine = stepFirst.Zip(stepLast, (a, b) => a * b).Sum() / (norm * Math.Sqrt(stepLast.Sum(v => v * v)));
            if (precision == TrainingPrecision.Float32)
            {
                // Only the order of floating-point sums differs between the layouts.
                Assert.True(gap <= 0.02 * norm, $"{name}: the channels-last step is {gap / norm:P1} away from the channels-first step");
            }
            else
            {
                // bfloat16 rounds each differently ordered sum to 8 bits: the same step up to that noise.
                Assert.True(cosine > 0.9 && gap <= 0.5 * norm, $"{name}: cosine {cosine:F3}, {gap / norm:P1} away from the channels-first step");
            }
        }
    }

    [Fact]
    public void Channels_last_must_be_refused_on_the_cpu_for_networks_wide_enough_to_crash_onednn()
    {
        // The width of a full ResNet50 (2048 channels), whose channels-last backward kills the process here.
        var wide = new BackboneSpec { Architecture = ResNetArchitecture.ResNet50, Stem = StemKind.SmallStrided, Blocks = [1, 1, 1, 1] };
        var cuda0 = new Device(DeviceType.CUDA, 0);

        var ex = Assert.Throws<ArgumentException>(() => MemoryFormat.ChannelsLast.EnsureSafe(wide, CPU));
        Assert.Contains("2048", ex.Message, StringComparison.Ordinal);
        MemoryFormat.ChannelsLast.EnsureSafe(wide, cuda0);
        MemoryFormat.Auto.EnsureSafe(wide, CPU);
        MemoryFormat.ChannelsFirst.EnsureSafe(wide, CPU);
        MemoryFormat.ChannelsLast.EnsureSafe(Spec, CPU);
        using var network = new ResNet(wide);
        Assert.Throws<ArgumentException>(network.UseChannelsLast);
        Assert.False(network.ChannelsLast);
    }

    [Fact]
    public void Pool_must_not_lend_a_network_of_the_other_layout()
    {
        using var pool = new NetworkPool();
        using (var lease = pool.Rent(Spec, "shapes", 4, CPU, channelsLast: true))
            Assert.True(lease.Network.Backbone.ChannelsLast);
        using (var lease = pool.Rent(Spec, "shapes", 4, CPU, channelsLast: false))
            Assert.False(lease.Network.Backbone.ChannelsLast);
        Assert.Equal(2, pool.Created);
    }

    [Fact]
    public void Auto_must_mean_channels_last_on_cuda_only()
    {
        Assert.False(MemoryFormat.Auto.IsChannelsLastOn(CPU));
        Assert.True(MemoryFormat.Auto.IsChannelsLastOn(new Device(DeviceType.CUDA, 0)));
        Assert.True(MemoryFormat.ChannelsLast.IsChannelsLastOn(CPU));
        Assert.False(MemoryFormat.ChannelsFirst.IsChannelsLastOn(new Device(DeviceType.CUDA, 0)));
        Assert.Equal(MemoryFormat.ChannelsLast, MemoryFormats.Parse(" Channels-Last "));
        Assert.All(Enum.GetValues<MemoryFormat>(), format => Assert.Equal(format, MemoryFormats.Parse(format.Name())));
        var ex = Assert.Throws<ArgumentException>(() => MemoryFormats.Parse("nhwc"));
        Assert.Contains("channels-first", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cudnn_benchmark_must_reach_libtorch()
    {
        var before = TorchRuntime.CudnnBenchmark;
        try
        {
            TorchRuntime.CudnnBenchmark = !before;
            Assert.Equal(!before, TorchRuntime.CudnnBenchmark);
            TorchRuntime.CudnnBenchmark = before;
            Assert.Equal(before, TorchRuntime.CudnnBenchmark);
        }
        finally
        {
            TorchRuntime.CudnnBenchmark = before;
        }
    }

    [Fact]
    public void Applying_cudnn_benchmark_must_act_only_where_there_is_a_gpu()
    {
        var before = TorchRuntime.CudnnBenchmark;
        try
        {
            TorchRuntime.ApplyCudnnBenchmark(!before);
            Assert.Equal(cuda.is_available() ? !before : before, TorchRuntime.CudnnBenchmark);
        }
        finally
        {
            TorchRuntime.CudnnBenchmark = before;
        }
    }
}
