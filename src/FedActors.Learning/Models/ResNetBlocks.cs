using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FedActors.Learning.Models;

/// <summary>torchvision's two-conv residual block (ResNet18/34). Field names are the state-dict keys.</summary>
internal sealed class BasicBlock : Module<Tensor, Tensor>
{
    public const int Expansion = 1;

    private readonly Conv2d conv1;
    private readonly BatchNorm bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm bn2;
    private readonly Sequential? downsample;

    public BasicBlock(long inPlanes, long planes, long stride, Sequential? downsample) : base(nameof(BasicBlock))
    {
        conv1 = Conv2d(inPlanes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm.For2d(planes);
        conv2 = Conv2d(planes, planes, kernel_size: 3, stride: 1, padding: 1, bias: false);
        bn2 = BatchNorm.For2d(planes);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = bn1.call(conv1.call(input)).relu_();
        x = bn2.call(conv2.call(x));
        x = x.add_(downsample is null ? input : downsample.call(input), RootedScalars.One).relu_();
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>torchvision's 1×1 → 3×3 (strided) → 1×1 bottleneck (ResNet50). Field names are the state-dict keys.</summary>
internal sealed class Bottleneck : Module<Tensor, Tensor>
{
    public const int Expansion = 4;

    private readonly Conv2d conv1;
    private readonly BatchNorm bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm bn3;
    private readonly Sequential? downsample;

    public Bottleneck(long inPlanes, long planes, long stride, Sequential? downsample) : base(nameof(Bottleneck))
    {
        conv1 = Conv2d(inPlanes, planes, kernel_size: 1, bias: false);
        bn1 = BatchNorm.For2d(planes);
        conv2 = Conv2d(planes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn2 = BatchNorm.For2d(planes);
        conv3 = Conv2d(planes, planes * Expansion, kernel_size: 1, bias: false);
        bn3 = BatchNorm.For2d(planes * Expansion);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = bn1.call(conv1.call(input)).relu_();
        x = bn2.call(conv2.call(x)).relu_();
        x = bn3.call(conv3.call(x));
        x = x.add_(downsample is null ? input : downsample.call(input), RootedScalars.One).relu_();
        return x.MoveToOuterDisposeScope();
    }
}
