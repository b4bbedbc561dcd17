using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FedActors.Learning.Models;

/// <summary>
/// torchvision's ResNet topology with its state-dict key names (<c>conv1</c>, <c>bn1</c>,
/// <c>layer1</c>..<c>layer4</c> with <c>N.conv1/bn1/...</c> and <c>N.downsample.0/1</c>, optional <c>fc</c>),
/// so weights line up with PyTorch checkpoints of the same spec. Without <c>fc</c> it is a backbone and
/// outputs the globally pooled features, [N, <see cref="FeatureDim"/>].
/// </summary>
public sealed class ResNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm bn1;
    private readonly MaxPool2d? maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly Linear? fc;

    /// <param name="numClasses">When given, a classifier <c>fc</c> is appended and the output is logits.</param>
    public ResNet(BackboneSpec spec, int? numClasses = null) : base(spec?.Architecture.ToString() ?? nameof(ResNet))
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        Spec = spec;
        long stemWidth = spec.StageWidth(0);
        (conv1, maxpool) = spec.Stem switch
        {
            StemKind.ImageNet => (Conv2d(spec.InputChannels, stemWidth, kernel_size: 7, stride: 2, padding: 3, bias: false),
                MaxPool2d(kernel_size: 3, stride: 2, padding: 1)),
            StemKind.Small => (Conv2d(spec.InputChannels, stemWidth, kernel_size: 3, stride: 1, padding: 1, bias: false), null),
            StemKind.SmallStrided => (Conv2d(spec.InputChannels, stemWidth, kernel_size: 3, stride: 2, padding: 1, bias: false), null),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Stem, "unknown stem"),
        };
        bn1 = BatchNorm.For2d(stemWidth);

        var inPlanes = stemWidth;
        var blocks = spec.StageBlocks;
        layer1 = MakeStage(spec, 0, blocks[0], stride: 1, ref inPlanes);
        layer2 = MakeStage(spec, 1, blocks[1], stride: 2, ref inPlanes);
        layer3 = MakeStage(spec, 2, blocks[2], stride: 2, ref inPlanes);
        layer4 = MakeStage(spec, 3, blocks[3], stride: 2, ref inPlanes);
        FeatureDim = (int)inPlanes;
        if (numClasses is { } classes) fc = Linear(inPlanes, classes);

        RegisterComponents();
        InitializeLikeTorchvision();
    }

    public BackboneSpec Spec { get; }

    /// <summary>Whether the network computes channels-last (<see cref="UseChannelsLast"/>).</summary>
    public bool ChannelsLast { get; private set; }

    /// <summary>
    /// Lays every convolution weight out channels-last and makes <see cref="forward"/> do the same to its input, so
    /// that activations and gradients follow (PyTorch's <c>model.to(memory_format=torch.channels_last)</c>). Values,
    /// names and shapes stay: weights import and export exactly as before. Call it after moving the network to its
    /// device and before building an optimiser over its parameters. Refused on the CPU for networks wider than
    /// <see cref="MemoryFormats.CpuChannelsLastMaxChannels"/> channels (oneDNN crashes there).
    /// </summary>
    public void UseChannelsLast()
    {
        if (ChannelsLast) return;
        MemoryFormat.ChannelsLast.EnsureSafe(Spec, conv1.weight!.device);
        using var noGrad = no_grad();
        foreach (var parameter in parameters())
        {
            if (parameter.dim() != 4) continue;
            using var laidOut = MemoryFormats.ToChannelsLast(parameter);
            parameter.set_(laidOut);
        }
        ChannelsLast = true;
    }

    /// <summary>Size of the pooled features (the input of <c>fc</c> or of any head).</summary>
    public int FeatureDim { get; }

    /// <summary>Stage 1..4 (<c>layer1</c>..<c>layer4</c>), e.g. to unfreeze the last one.</summary>
    public Module<Tensor, Tensor> Stage(int index) => index switch
    {
        1 => layer1,
        2 => layer2,
        3 => layer3,
        4 => layer4,
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, "ResNet stages are 1..4"),
    };

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        // Inputs follow the network's number format (float32, or the low precision of a mixed-precision fit).
        var weightType = conv1.weight!.dtype;
        if (input.dtype != weightType) input = input.to(weightType);
        if (ChannelsLast) input = MemoryFormats.ToChannelsLast(input);
        var x = bn1.call(conv1.call(input)).relu_();
        if (maxpool is not null) x = maxpool.call(x);
        x = layer4.call(layer3.call(layer2.call(layer1.call(x))));
        x = x.mean([2, 3]);
        if (fc is not null) x = fc.call(x);
        return x.MoveToOuterDisposeScope();
    }

    private static Sequential MakeStage(BackboneSpec spec, int stage, int blockCount, long stride, ref long inPlanes)
    {
        long planes = spec.StageWidth(stage);
        var expansion = spec.Expansion;
        var layer = Sequential();
        Sequential? downsample = null;
        if (stride != 1 || inPlanes != planes * expansion)
        {
            Module<Tensor, Tensor> projection = stride == 1
                ? Conv2d(inPlanes, planes * expansion, kernel_size: 1, bias: false)
                : new StridedPointwiseConv(inPlanes, planes * expansion, stride);
            downsample = Sequential(projection, BatchNorm.For2d(planes * expansion));
        }
        for (var i = 0; i < blockCount; i++)
        {
            var blockStride = i == 0 ? stride : 1;
            var blockDownsample = i == 0 ? downsample : null;
            layer.append(spec.Architecture == ResNetArchitecture.ResNet50
                ? new Bottleneck(inPlanes, planes, blockStride, blockDownsample)
                : new BasicBlock(inPlanes, planes, blockStride, blockDownsample));
            inPlanes = planes * expansion;
        }
        return layer;
    }

    /// <summary>He-normal (fan-out) convolutions, BatchNorm γ=1 β=0, as torchvision does.</summary>
    private void InitializeLikeTorchvision()
    {
        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
                    break;
                case BatchNorm bn:
                    init.ones_(bn.weight);
                    init.zeros_(bn.bias);
                    break;
            }
        }
    }
}
