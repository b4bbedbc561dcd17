using FedActors.Learning.Models;
using FedActors.Learning.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

[Collection("torch")]
public sealed class ResNetTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(7)]
    public void Strided_pointwise_conv_must_equal_a_strided_1x1_convolution(int size)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        using var subsampled = new StridedPointwiseConv(512, 1024, stride: 2);
        using var reference = nn.Conv2d(512, 1024, kernel_size: 1, stride: 2, bias: false);
        using (no_grad()) reference.weight.copy_(subsampled.Weight);
        var x = randn(2, 512, size, size);

        // Forward only: the backward of the real strided conv (512 -> 1024) kills the process (SIGFPE) here.
        var expected = reference.call(x);
        var actual = subsampled.call(x);

        Assert.Equal(expected.shape, actual.shape);
        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void ResNet50_must_survive_a_backward_step_through_its_wide_downsamples()
    {
        using var scope = NewDisposeScope();
        // Width 0.5: layer4's downsample maps 512 -> 1024 channels at stride 2, the shape for which a real
        // strided 1x1 conv's backward kills the process (SIGFPE in oneDNN) on this CPU.
        var spec = new BackboneSpec { Architecture = ResNetArchitecture.ResNet50, Stem = StemKind.SmallStrided, Width = 0.5, Blocks = [1, 1, 1, 1] };
        using var net = new ResNet(spec);
        using var optimizer = optim.SGD(net.parameters(), 0.01);
        var before = StateDict.Export(net, "").ContentHash();

        var loss = net.call(randn(2, 3, 32, 32)).square().mean();
        loss.backward();
        optimizer.step();

        Assert.Equal(1024, net.FeatureDim);
        Assert.NotEqual(before, StateDict.Export(net, "").ContentHash());
    }

    [Fact]
    public void ResNet18_must_use_torchvision_state_dict_keys()
    {
        using var net = new ResNet(new BackboneSpec { Architecture = ResNetArchitecture.ResNet18 }, numClasses: 1000);
        var keys = StateDict.Entries(net).Select(e => e.Key).ToList();

        Assert.Equal(["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked"], keys.Take(6));
        Assert.Contains("layer1.0.conv1.weight", keys);
        Assert.Contains("layer1.1.bn2.running_var", keys);
        Assert.Contains("layer2.0.downsample.0.weight", keys);
        Assert.Contains("layer2.0.downsample.1.num_batches_tracked", keys);
        Assert.Contains("layer4.1.conv2.weight", keys);
        Assert.DoesNotContain("layer1.0.downsample.0.weight", keys);
        Assert.Equal(["fc.weight", "fc.bias"], keys.TakeLast(2));
        // torchvision's resnet18 state dict has 122 entries (62 parameters, 60 buffers).
        Assert.Equal(122, keys.Count);
        Assert.Equal(11_689_512, net.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void ResNet50_must_use_torchvision_state_dict_keys_and_shapes()
    {
        using var net = new ResNet(new BackboneSpec { Architecture = ResNetArchitecture.ResNet50 });
        var entries = StateDict.Entries(net).ToDictionary(e => e.Key, e => e.Tensor.shape);

        Assert.Equal([64L, 3, 7, 7], entries["conv1.weight"]);
        Assert.Equal([256L, 64, 1, 1], entries["layer1.0.downsample.0.weight"]);
        Assert.Equal([64L, 64, 3, 3], entries["layer1.0.conv2.weight"]);
        Assert.Equal([256L], entries["layer1.2.bn3.running_mean"]);
        Assert.Equal([1024L, 512, 1, 1], entries["layer3.0.downsample.0.weight"]);
        Assert.Equal([2048L, 1024, 1, 1], entries["layer4.0.downsample.0.weight"]);
        Assert.Equal([512L, 512, 3, 3], entries["layer4.0.conv2.weight"]);
        Assert.True(entries.ContainsKey("layer3.5.conv3.weight"));
        Assert.False(entries.ContainsKey("fc.weight"));
        // torchvision's resnet50 without fc: 318 entries, 23,508,032 parameters.
        Assert.Equal(318, entries.Count);
        Assert.Equal(23_508_032, net.parameters().Sum(p => p.numel()));
        Assert.Equal(2048, net.FeatureDim);
    }

    [Theory]
    [InlineData(StemKind.ImageNet, 64)]
    [InlineData(StemKind.Small, 32)]
    [InlineData(StemKind.SmallStrided, 32)]
    public void Backbone_must_output_pooled_features_for_every_stem(StemKind stem, int size)
    {
        using var scope = NewDisposeScope();
        var spec = TestData.TinySpec with { Stem = stem };
        using var net = new ResNet(spec);
        net.eval();
        var features = net.call(randn(2, 3, size, size));
        Assert.Equal([2L, spec.FeatureDim], features.shape);
    }

    [Fact]
    public void Width_must_scale_stage_widths_with_a_floor_of_eight()
    {
        var spec = new BackboneSpec { Width = 0.25 };
        Assert.Equal([16, 32, 64, 128], Enumerable.Range(0, 4).Select(spec.StageWidth));
        Assert.Equal(8, (spec with { Width = 0.01 }).StageWidth(0));
        Assert.Equal(512, (spec with { Architecture = ResNetArchitecture.ResNet50 }).FeatureDim);
    }
}
