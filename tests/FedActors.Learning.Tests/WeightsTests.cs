using FedActors.Core;
using FedActors.Learning.Models;
using FedActors.Learning.Weights;
using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

[Collection("torch")]
public sealed class WeightsTests
{
    private static readonly Dictionary<string, int> Tasks = new() { ["scenes"] = 6, ["flowers"] = 102 };

    [Fact]
    public void InitialGlobal_must_name_every_part_with_its_prefix()
    {
        var global = ModelFactory.InitialGlobal(TestData.TinySpec, Tasks, seed: 1);
        var names = global.Names.ToList();

        Assert.Equal("backbone.conv1.weight", names[0]);
        Assert.Contains("backbone.layer4.0.downsample.0.weight", names);
        Assert.Contains("backbone.bn1.num_batches_tracked", names);
        Assert.Contains("projector.linear1.weight", names);
        Assert.Contains("projector.bn1.running_var", names);
        Assert.Contains("projector.linear2.bias", names);
        Assert.Equal(["heads.flowers.weight", "heads.flowers.bias", "heads.scenes.weight", "heads.scenes.bias"], names.TakeLast(4));
        Assert.Equal([102, TestData.TinySpec.FeatureDim], global["heads.flowers.weight"].Shape);
        Assert.All(names, n => Assert.True(
            WeightNames.IsUnder(n, WeightNames.Backbone) || WeightNames.IsUnder(n, WeightNames.Projector) || WeightNames.IsUnder(n, WeightNames.Heads)));
        Assert.Equal([0f], global["backbone.bn1.num_batches_tracked"].Data);
        Assert.All(global["backbone.bn1.running_var"].Data, v => Assert.Equal(1f, v));
    }

    [Fact]
    public void InitialGlobal_must_be_deterministic_for_a_seed()
    {
        var a = ModelFactory.InitialGlobal(TestData.TinySpec, Tasks, seed: 42);
        var b = ModelFactory.InitialGlobal(TestData.TinySpec, Tasks, seed: 42);
        var c = ModelFactory.InitialGlobal(TestData.TinySpec, Tasks, seed: 43);
        Assert.Equal(a.ContentHash(), b.ContentHash());
        Assert.NotEqual(a.ContentHash(), c.ContentHash());
    }

    [Fact]
    public void Weights_must_round_trip_through_a_module()
    {
        var spec = TestData.TinySpec with { Architecture = ResNetArchitecture.ResNet50 };
        var global = ModelFactory.InitialGlobal(spec, Tasks, seed: 3);
        // Non-trivial BatchNorm buffers, so the copy of every kind of tensor is checked.
        var changed = new ModelWeights(global.Select(t => t.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal)
            ? new NamedTensor(t.Name, t.Shape, [17f])
            : new NamedTensor(t.Name, t.Shape, t.Data.Select((v, i) => v + 0.001f * (i % 7)).ToArray())));

        random.manual_seed(99);
        using var backbone = new ResNet(spec);
        StateDict.Import(backbone, changed, WeightNames.Backbone);
        var exported = StateDict.Export(backbone, WeightNames.Backbone);

        var expected = changed.Where(n => WeightNames.IsUnder(n, WeightNames.Backbone));
        Assert.Equal(expected.Names, exported.Names);
        Assert.Equal(expected.ContentHash(), exported.ContentHash());
        var counter = StateDict.Entries(backbone).Single(e => e.Key == "layer2.0.bn1.num_batches_tracked").Tensor;
        Assert.Equal(ScalarType.Int64, counter.dtype);
        Assert.Equal(17L, counter.item<long>());
    }

    [Fact]
    public void Import_must_name_a_tensor_of_the_wrong_shape_and_leave_the_module_untouched()
    {
        var global = ModelFactory.InitialGlobal(TestData.TinySpec, Tasks, seed: 1);
        var wrong = global.With(new ModelWeights([new NamedTensor("backbone.layer3.0.conv2.weight", [1, 1, 1, 1], [0f])]));
        using var backbone = new ResNet(TestData.TinySpec);
        var before = StateDict.Export(backbone, "").ContentHash();

        var error = Assert.Throws<ArgumentException>(() => StateDict.Import(backbone, wrong, WeightNames.Backbone));

        Assert.Contains("backbone.layer3.0.conv2.weight", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, StateDict.Export(backbone, "").ContentHash());
    }

    [Fact]
    public void Import_must_name_a_missing_tensor()
    {
        var global = ModelFactory.InitialGlobal(TestData.TinySpec, Tasks, seed: 1);
        var partial = global.Where(n => n != "backbone.layer1.0.bn2.running_mean");
        using var backbone = new ResNet(TestData.TinySpec);

        var error = Assert.Throws<KeyNotFoundException>(() => StateDict.Import(backbone, partial, WeightNames.Backbone));
        Assert.Contains("backbone.layer1.0.bn2.running_mean", error.Message, StringComparison.Ordinal);
    }
}
