using TorchSharp;
using FedActors.Learning.Models;
using FedActors.Learning.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace FedActors.Learning.Tests;

[Collection("torch")]
public sealed class TrainingTests
{
    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.AdamW)]
    public void Supervised_loss_must_decrease_on_tiny_data(OptimizerKind kind)
    {
        random.manual_seed(5);
        using var backbone = new ResNet(TestData.TinySpec);
        using var head = TaskHead.Create(backbone.FeatureDim, 4);
        using var generator = new Generator(8);
        using var images = randn([16, 3, 16, 16], generator: generator);
        using var labels = arange(16).remainder(4);
        var phase = new PhaseSettings { Optimizer = kind, LearningRate = kind == OptimizerKind.Sgd ? 0.05 : 0.01 };
        using var optimizer = Optimizers.Create(backbone.parameters().Concat(head.parameters()), phase, phase.LearningRate);

        var losses = new List<float>();
        for (var step = 0; step < 15; step++)
        {
            using var scope = NewDisposeScope();
            var loss = F.cross_entropy(head.call(backbone.call(images)), labels);
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
            losses.Add(loss.item<float>());
        }

        Assert.True(losses[^1] < 0.5 * losses[0], $"loss went {losses[0]} -> {losses[^1]}");
    }

    [Fact]
    public void SimClr_loss_must_decrease_on_a_fixed_pair_of_views()
    {
        random.manual_seed(6);
        using var backbone = new ResNet(TestData.TinySpec);
        using var projector = ProjectionHead.For(TestData.TinySpec);
        using var generator = new Generator(9);
        using var views = randn([16, 3, 16, 16], generator: generator);
        using var optimizer = Optimizers.Create(backbone.parameters().Concat(projector.parameters()), new PhaseSettings(), 0.01);

        var losses = new List<float>();
        for (var step = 0; step < 15; step++)
        {
            using var scope = NewDisposeScope();
            var z = projector.call(backbone.call(views));
            var loss = NtXentLoss.Compute(z.narrow(0, 0, 8), z.narrow(0, 8, 8), 0.3);
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
            losses.Add(loss.item<float>());
        }

        Assert.True(losses[^1] < losses[0] - 0.3, $"loss went {losses[0]} -> {losses[^1]}");
    }

    [Fact]
    public void Cosine_schedule_must_decay_over_the_whole_phase()
    {
        Assert.Equal(0.1, CosineSchedule.ForRound(0.1, round: 1, totalRounds: 4, stepsPerRound: 10, localStep: 0), 12);
        Assert.Equal(0.05, CosineSchedule.ForRound(0.1, round: 3, totalRounds: 4, stepsPerRound: 10, localStep: 0), 12);
        Assert.True(CosineSchedule.ForRound(0.1, round: 4, totalRounds: 4, stepsPerRound: 10, localStep: 9) < 0.001);
        Assert.Equal(0.1, CosineSchedule.ForRound(0.1, round: 3, totalRounds: null, stepsPerRound: 10, localStep: 5));
    }

    [Fact]
    public void FitConfig_must_override_settings_and_reject_bad_values_by_key()
    {
        var phase = new PhaseSettings { LearningRate = 0.1, LocalEpochs = 2 };
        var config = FitConfig.Parse(
            new Dictionary<string, string> { ["lr"] = " 0.25 ", ["epochs"] = "3.0", ["total-rounds"] = "10", ["head-trainable"] = "all", ["other"] = "x" },
            phase,
            HeadTrainable.LastStage);
        Assert.Equal(new FitConfig(0.25, 3, 10, HeadTrainable.All), config);
        Assert.Equal(new FitConfig(0.1, 2, null, HeadTrainable.Head), FitConfig.Parse(null, phase, HeadTrainable.Head));

        Assert.Contains("'lr'", Assert.Throws<FormatException>(() => FitConfig.Parse(new Dictionary<string, string> { ["lr"] = "fast" }, phase, HeadTrainable.Head)).Message, StringComparison.Ordinal);
        Assert.Contains("'epochs'", Assert.Throws<FormatException>(() => FitConfig.Parse(new Dictionary<string, string> { ["epochs"] = "1.5" }, phase, HeadTrainable.Head)).Message, StringComparison.Ordinal);
        Assert.Contains("'total-rounds'", Assert.Throws<FormatException>(() => FitConfig.Parse(new Dictionary<string, string> { ["total-rounds"] = "0" }, phase, HeadTrainable.Head)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeviceSelector_must_resolve_cpu_and_reject_unknown_names()
    {
        Assert.Equal(DeviceType.CPU, DeviceSelector.Resolve("cpu").type);
        Assert.Equal(cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, DeviceSelector.Resolve("auto").type);
        Assert.Throws<ArgumentException>(() => DeviceSelector.Resolve("tpu"));
        if (!cuda.is_available()) Assert.Throws<InvalidOperationException>(() => DeviceSelector.Resolve("cuda:1"));
    }

    [Fact]
    public void DevicePlan_must_give_trainer_slot_k_device_k_mod_n()
    {
        var plan = DevicePlan.Resolve("cpu, auto");

        Assert.Equal(2, plan.Devices.Count);
        var auto = cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU;
        Assert.Equal([DeviceType.CPU, auto, DeviceType.CPU, auto], Enumerable.Range(0, 4).Select(k => plan.For(k).type));
        Assert.Equal(DeviceType.CPU, plan.For(-1).type); // not a trainer thread: the first device
        Assert.Equal(DeviceType.CPU, plan.Current.type); // a test thread is not a trainer
        Assert.Throws<ArgumentException>(() => DevicePlan.Resolve("cpu,,cpu"));
        Assert.Throws<ArgumentException>(() => DevicePlan.Resolve("cpu, tpu"));
        if (!cuda.is_available()) Assert.Throws<InvalidOperationException>(() => DevicePlan.Resolve("cpu, cuda:0"));
    }

    [Fact]
    public void DevicePlan_must_follow_the_slot_of_the_calling_trainer_thread()
    {
        var plan = DevicePlan.Resolve("cpu, auto");
        var auto = cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU;
        DeviceType seen = default;
        var trainer = new Thread(() =>
        {
            FedActors.Core.TrainerSlot.AssignToCurrentThread(3);
            seen = plan.Current.type;
        });
        trainer.Start();
        trainer.Join();

        Assert.Equal(auto, seen);
    }
}
