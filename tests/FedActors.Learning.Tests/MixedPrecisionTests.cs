using FedActors.Core;
using FedActors.Learning.Models;
using FedActors.Learning.Training;
using FedActors.Learning.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

[Collection("torch")]
public sealed class MixedPrecisionTests
{
    private static readonly Dictionary<string, string> Config = new() { ["total-rounds"] = "3" };

    private static LearningSettings Settings(TrainingPrecision precision) => new()
    {
        SimClr = new PhaseSettings { BatchSize = 8, LocalEpochs = 1, LearningRate = 3e-3 },
        Heads = new PhaseSettings { BatchSize = 8, LocalEpochs = 1, LearningRate = 3e-3 },
        EvalBatchSize = 5,
        Precision = precision,
    };

    private static ModelWeights Global() =>
        ModelFactory.InitialGlobal(TestData.TinySpec, new Dictionary<string, int> { ["shapes"] = 4 }, seed: 1);

    [Theory]
    [InlineData(TrainingPrecision.BFloat16)]
    [InlineData(TrainingPrecision.Float16)]
    public void SimClr_fit_in_low_precision_must_train_and_return_float32_close_to_the_float32_fit(TrainingPrecision precision)
    {
        var global = Global();
        FitRes Fit(TrainingPrecision p)
        {
            using var pool = new NetworkPool();
            using var client = new TorchClient(TestData.Client("client-a"), TestData.TinySpec, Settings(p), runSeed: 7, CPU, pool);
            var result = client.Fit(new FitIns(1, Phases.SimClr, global, Config), CancellationToken.None);
            // The pooled network is float32 again: a float32 evaluation runs on it.
            var evaluation = client.Evaluate(new EvaluateIns(1, Phases.Heads, global, Config), CancellationToken.None);
            Assert.True(double.IsFinite(evaluation.Metrics[MetricNames.Loss]));
            using var lease = pool.Rent(TestData.TinySpec, client.Task, 4, CPU);
            Assert.All(lease.Network.Backbone.parameters(), parameter => Assert.Equal(ScalarType.Float32, parameter.dtype));
            var buffers = lease.Network.Backbone.named_buffers().ToList();
            Assert.All(buffers.Where(b => b.name.EndsWith("num_batches_tracked", StringComparison.Ordinal)), b => Assert.Equal(ScalarType.Int64, b.buffer.dtype));
            Assert.All(buffers.Where(b => b.name.EndsWith("running_var", StringComparison.Ordinal)), b => Assert.Equal(ScalarType.Float32, b.buffer.dtype));
            return result;
        }

        var full = Fit(TrainingPrecision.Float32);
        var low = Fit(precision);

        Assert.Equal(full.Weights.Names, low.Weights.Names);
        Assert.True(double.IsFinite(low.Metrics[MetricNames.Loss]));
        // Within 10 %: float16's first steps may overflow at the initial scale and be skipped.
        Assert.InRange(low.Metrics[MetricNames.Loss], 0.9 * full.Metrics[MetricNames.Loss], 1.1 * full.Metrics[MetricNames.Loss]);
        foreach (var name in new[] { "backbone.layer1.0.conv1.weight", "backbone.layer4.0.conv1.weight" })
        {
            var start = global[name].Data;
            var stepFull = Difference(full.Weights[name].Data, start);
            var stepLow = Difference(low.Weights[name].Data, start);
            var ratio = Norm(stepLow) / Norm(stepFull);
            var cosine = Dot(stepLow, stepFull) / (Norm(stepLow) * Norm(stepFull));
            if (precision == TrainingPrecision.BFloat16)
            {
                // The same steps as float32 up to bfloat16's rounding: as far, and in the same direction.
                Assert.True(ratio is > 0.5 and < 2, $"{name}: moved {ratio:F2}x as far in {precision} as in float32");
                Assert.True(cosine > 0.8, $"{name}: cosine {cosine:F3} between the {precision} and float32 steps");
            }
            else
            {
                // float16's first steps overflow at the initial loss scale of 2^16 and are skipped (as with
                // PyTorch's GradScaler), so its Adam steps start on other batches: it must have trained, no more.
                Assert.True(ratio > 0.1, $"{name}: moved {ratio:F2}x as far in {precision} as in float32");
            }
        }
    }

    [Fact]
    public void Low_precision_must_end_with_exact_masters_and_untouched_frozen_parameters()
    {
        manual_seed(3);
        using var trained = nn.Linear(6, 5);
        using var norm = Models.BatchNorm.For1d(5);
        using var frozen = nn.Linear(5, 3);
        foreach (var parameter in frozen.parameters()) parameter.requires_grad = false;
        var frozenBefore = frozen.weight!.detach().clone();
        using var input = randn(4, 6);
        norm.train();

        using (var mixed = new MixedPrecision([trained, norm, frozen], TrainingPrecision.BFloat16))
        {
            Assert.Equal(ScalarType.BFloat16, trained.weight!.dtype);
            Assert.Equal(ScalarType.BFloat16, frozen.weight!.dtype);
            Assert.Equal(ScalarType.Float32, norm.weight!.dtype); // BatchNorm stays float32
            Assert.Equal(ScalarType.Float32, norm.running_mean!.dtype);
            Assert.Equal(4, mixed.Masters.Count); // weight and bias of the trained layer and of the norm
            using var optimizer = Optimizers.Create(mixed.Masters, new PhaseSettings { Optimizer = OptimizerKind.Sgd, Momentum = 0 }, 0.1);
            for (var step = 0; step < 3; step++)
            {
                using var scope = NewDisposeScope();
                var hidden = norm.call(trained.call(input.to(ScalarType.BFloat16)));
                Assert.Equal(ScalarType.BFloat16, hidden.dtype); // normalised in float32, returned in the input's type
                var loss = frozen.call(hidden).to(ScalarType.Float32).pow(2).mean();
                optimizer.ZeroGrad();
                mixed.Backward(loss);
                Assert.True(mixed.TakeGradients());
                Assert.Equal(ScalarType.Float32, mixed.Masters[0].grad!.dtype);
                optimizer.Step();
                mixed.AfterStep();
            }
            var masters = mixed.Masters.Select(m => m.detach().clone()).ToList();
            mixed.Dispose();
            Assert.Equal(ScalarType.Float32, trained.weight!.dtype);
            Assert.Equal(ScalarType.Float32, frozen.weight!.dtype);
            Assert.True(Same(trained.weight!, masters[0]), "the trained weight is the float32 master, not its bfloat16 rounding");
            Assert.True(Same(trained.bias!, masters[1]));
            Assert.True(Same(norm.weight!, masters[2]));
            Assert.Equal(ScalarType.Float32, norm.running_mean!.dtype);
            Assert.NotEqual(0f, norm.running_mean!.abs().sum().item<float>()); // statistics were taken
        }
        Assert.True(Same(frozen.weight!, frozenBefore), "a frozen weight came back changed");
    }

    [Fact]
    public void Float16_overflow_must_skip_the_step_and_halve_the_scale()
    {
        using var layer = nn.Linear(4, 1);
        using var input = ones(2, 4);
        using var mixed = new MixedPrecision([layer], TrainingPrecision.Float16);
        var before = mixed.Masters.Select(m => m.detach().clone()).ToList();
        Assert.Equal(65536, mixed.Scale);

        // d(loss)/d(bias) = 1e3; scaled by 65536 it is far past float16's 65504.
        using (var scope = NewDisposeScope())
        {
            var loss = layer.call(input.to(ScalarType.Float16)).to(ScalarType.Float32).sum().mul(500);
            mixed.Backward(loss);
        }
        Assert.False(mixed.TakeGradients());
        Assert.Equal(1, mixed.SkippedSteps);
        Assert.Equal(32768, mixed.Scale);
        for (var i = 0; i < before.Count; i++) Assert.True(Same(mixed.Masters[i], before[i]), "a skipped step changed a master");

        // A small loss goes through at the lowered scale, unscaled on the way to the masters.
        using (var scope = NewDisposeScope())
        {
            var loss = layer.call(input.to(ScalarType.Float16)).to(ScalarType.Float32).sum().mul(0.01);
            mixed.Backward(loss);
        }
        Assert.True(mixed.TakeGradients());
        var biasGrad = mixed.Masters.Single(m => m.shape.SequenceEqual([1L])).grad!.item<float>();
        Assert.Equal(0.02f, biasGrad, 3); // two rows of input, 0.01 each
    }

    [Fact]
    public void Loss_scaler_must_grow_after_the_interval_and_not_fall_below_one()
    {
        var scaler = LossScaler.Dynamic(initialScale: 4, growthInterval: 3);
        scaler.Stepped();
        scaler.Stepped();
        Assert.Equal(4, scaler.Scale);
        scaler.Stepped();
        Assert.Equal(8, scaler.Scale);
        scaler.Stepped();
        scaler.Overflowed(); // resets the run of good steps
        scaler.Stepped();
        scaler.Stepped();
        Assert.Equal(4, scaler.Scale);
        for (var i = 0; i < 5; i++) scaler.Overflowed();
        Assert.Equal(1, scaler.Scale);
        Assert.Equal(1, LossScaler.None.Scale);
    }

    [Fact]
    public void Parse_precision_must_name_the_choices()
    {
        Assert.Equal(TrainingPrecision.BFloat16, LearningSettings.ParsePrecision(" BF16 "));
        Assert.Equal(TrainingPrecision.Float16, LearningSettings.ParsePrecision("fp16"));
        Assert.Equal(TrainingPrecision.Float32, LearningSettings.ParsePrecision("fp32"));
        var error = Assert.Throws<ArgumentException>(() => LearningSettings.ParsePrecision("fp8"));
        Assert.Contains("fp32, bf16 or fp16", error.Message, StringComparison.Ordinal);
    }

    private static bool Same(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static double[] Difference(float[] a, float[] b) => [.. a.Select((x, i) => (double)x - b[i])];

    private static double Dot(double[] a, double[] b) => a.Select((x, i) => x * b[i]).Sum();

    private static double Norm(double[] a) => Math.Sqrt(Dot(a, a));
}
