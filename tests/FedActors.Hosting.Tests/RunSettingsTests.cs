using FedActors.Hosting.Configuration;
using FedActors.Learning.Training;
using FedActors.Learning.Models;

namespace FedActors.Hosting.Tests;

public sealed class RunSettingsTests
{
    private static RunSettings Settings(params string[] sets) => RunSettings.Create(ConfigLoader.Load([], sets));

    [Fact]
    public void Defaults_must_describe_the_two_task_demo()
    {
        var s = Settings();
        Assert.Equal(["cl", "fl+ssl"], s.Arms);
        Assert.Equal(2, s.Data.Clients.Count);
        Assert.NotEqual(s.Data.Clients[0].Task, s.Data.Clients[1].Task);
        Assert.Equal(0.25, s.Data.LabeledFraction);
        Assert.Equal("unlabeled", s.Data.EvalSplit);
    }

    [Theory]
    [InlineData("fedactors.arms=[cl, magic]", "fedactors.arms")]
    [InlineData("fedactors.device=tpu", "fedactors.device")]
    [InlineData("fedactors.device=\"cpu, tpu\"", "fedactors.device")]
    [InlineData("fedactors.device=\"cpu,,cpu\"", "fedactors.device")]
    [InlineData("fedactors.heads.trainable=everything", "fedactors.heads.trainable")]
    [InlineData("fedactors.heads.weight-decay-toward=one", "fedactors.heads.weight-decay-toward")]
    [InlineData("fedactors.precision=fp8", "fedactors.precision")]
    [InlineData("fedactors.memory-format=nhwc", "fedactors.memory-format")]
    [InlineData("fedactors.cudnn-benchmark=fast", "fedactors.cudnn-benchmark")]
    [InlineData("fedactors.simclr.optimizer=lbfgs", "fedactors.simclr.optimizer")]
    [InlineData("fedactors.data.eval-split=train", "fedactors.data.eval-split")]
    [InlineData("fedactors.model.blocks=[1,2]", "fedactors.model.blocks")]
    [InlineData("fedactors.data.labeled-fraction=1.5", "fedactors.data.labeled-fraction")]
    [InlineData("fedactors.data.synthetic.shape-hue-spread=1.5", "fedactors.data.synthetic.shape-hue-spread")]
    [InlineData("fedactors.engine.trainer-slots=0", "fedactors.engine")]
    [InlineData("fedactors.simclr.augment.crop-scale-min=0.9", "fedactors.simclr.augment")]
    public void Bad_values_must_name_key_and_source(string assignment, string key)
    {
        var ex = Assert.Throws<ConfigException>(() => Settings("fedactors.simclr.augment.crop-scale-max=0.7", assignment));
        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
        Assert.Contains("--set", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weight_decay_toward_the_pretrained_backbone_must_need_a_backbone_per_task()
    {
        Assert.Equal(WeightDecayTarget.Zero, Settings().Learning.HeadDecayTarget);
        var l2sp = Settings("fedactors.heads.weight-decay-toward=pretrained", "fedactors.heads.backbone-scope=task");
        Assert.Equal(WeightDecayTarget.Pretrained, l2sp.Learning.HeadDecayTarget);
        var ex = Assert.Throws<ConfigException>(() => Settings("fedactors.heads.weight-decay-toward=pretrained", "fedactors.heads.backbone-scope=shared"));
        Assert.Contains("heads.backbone-scope = task", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Device_may_list_several_devices_for_the_trainer_slots()
    {
        Assert.Equal("cuda:0, cuda:1", Settings("fedactors.device=\"cuda:0, cuda:1\"").Device);
        Assert.Equal("auto", Settings().Device);
    }

    [Fact]
    public void Precision_must_reach_the_learning_settings()
    {
        Assert.Equal(TrainingPrecision.Float32, Settings().Learning.Precision);
        Assert.Equal(TrainingPrecision.BFloat16, Settings("fedactors.precision=bf16").Learning.Precision);
    }

    [Fact]
    public void Memory_format_and_cudnn_benchmark_must_reach_the_settings()
    {
        var defaults = Settings();
        Assert.Equal(MemoryFormat.Auto, defaults.Learning.MemoryFormat);
        Assert.True(defaults.CudnnBenchmark);
        var set = Settings("fedactors.memory-format=channels-last", "fedactors.cudnn-benchmark=off");
        Assert.Equal(MemoryFormat.ChannelsLast, set.Learning.MemoryFormat);
        Assert.False(set.CudnnBenchmark);
        Assert.Equal(MemoryFormat.ChannelsFirst, Settings("fedactors.memory-format=channels-first").Learning.MemoryFormat);
    }

    [Fact]
    public void Channels_last_on_the_cpu_must_be_refused_for_a_network_that_crashes_there()
    {
        var cpu = FedActors.Learning.DevicePlan.Resolve("cpu");
        Settings("fedactors.memory-format=channels-last").CheckMemoryFormat(cpu);
        Settings("fedactors.model.arch=resnet50", "fedactors.model.width=1").CheckMemoryFormat(cpu);

        var wide = Settings("fedactors.memory-format=channels-last", "fedactors.model.arch=resnet50", "fedactors.model.width=1");
        var ex = Assert.Throws<ConfigException>(() => wide.CheckMemoryFormat(cpu));
        Assert.Contains("'fedactors.memory-format' = 'channels-last'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("SIGFPE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Synthetic_generator_must_take_size_and_hue_spread_from_the_config()
    {
        var spec = Settings("fedactors.data.image-size=24", "fedactors.data.synthetic.shape-hue-spread=0.05").Synthetic;
        Assert.Equal(24, spec.ImageSize);
        Assert.Equal(0.05, spec.ShapeHueSpread);
    }

    [Fact]
    public void Client_entries_must_be_checked()
    {
        var ex = Assert.Throws<ConfigException>(() => Settings(
            "fedactors.data.clients=[{ id = a, task = shapes }, { id = a, task = textures }]"));
        Assert.Contains("fedactors.data.clients[1].id", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<ConfigException>(() => Settings("fedactors.data.clients=[{ id = a, task = flowers }]"));
        Assert.Contains("fedactors.data.clients[0].task", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Augment_by_task_must_take_the_phases_augment_for_the_keys_it_leaves_out()
    {
        var settings = RunSettings.Create(ConfigLoader.Load([], [
            "fedactors.simclr.augment.crop-scale-min=0.5",
            "fedactors.simclr.augment-by-task=[{ task = shapes, jitter-probability = 0.0 }]",
        ]));
        var own = settings.Learning.SimClrAugmentFor("shapes");
        Assert.Equal(0.0, own.ColorJitterProbability);
        Assert.Equal(0.5, own.CropScaleMin); // from simclr.augment, not from the template
        Assert.Same(settings.Learning.SimClrAugment, settings.Learning.SimClrAugmentFor("textures"));
        var e = Assert.Throws<ConfigException>(() => RunSettings.Create(ConfigLoader.Load([], [
            "fedactors.supervised.augment-by-task=[{ task = shapes, crop-scale-min = 2.0 }]"])));
        Assert.Contains("supervised.augment-by-task[0]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strategy_must_be_read_with_the_parameters_set_and_refused_naming_a_bad_one()
    {
        var settings = Settings("fedactors.strategy.name=fedadam", "fedactors.strategy.eta=0.05", "fedactors.heads-strategy.name=fedprox", "fedactors.heads-strategy.mu=0.1");
        Assert.Equal("fedadam", settings.Strategy.Name);
        Assert.Equal(new Dictionary<string, double> { ["eta"] = 0.05 }, settings.Strategy.Parameters);
        var strategy = settings.NewStrategy();
        Assert.IsType<FedActors.Core.Strategies.FedAdam>(strategy.For(FedActors.Core.Phases.SimClr));
        Assert.IsType<FedActors.Core.Strategies.FedProx>(strategy.For(FedActors.Core.Phases.Heads));
        Assert.Null(Settings().HeadsStrategy);

        var e = Assert.Throws<ConfigException>(() => Settings("fedactors.strategy.eta=0.05"));
        Assert.Contains("fedactors.strategy", e.Message, StringComparison.Ordinal);
        Assert.Contains("has no parameter 'eta'", e.Message, StringComparison.Ordinal);
        Assert.Contains("mu", Assert.Throws<ConfigException>(() => Settings("fedactors.strategy.name=fedprox")).Message, StringComparison.Ordinal);
        Assert.Contains("fedactors.heads-strategy.f", Assert.Throws<ConfigException>(() => Settings("fedactors.heads-strategy.f=1")).Message, StringComparison.Ordinal);
        Assert.Contains("unknown strategy 'fedbest'", Assert.Throws<ConfigException>(() => Settings("fedactors.strategy.name=fedbest")).Message, StringComparison.Ordinal);
    }
}
