using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedActors.Learning.Models;

/// <summary>
/// A bias-free 1×1 convolution with stride s, computed as "keep every s-th pixel, then a stride-1 1×1
/// convolution". The two are the same function of the same weight, but on this project's CPUs oneDNN
/// (libtorch 2.10) dies with SIGFPE while choosing a kernel for the backward of a strided 1×1 convolution
/// (seen for 512→1024 channels, i.e. ResNet50's layer3/layer4 downsample, with or without the AVX2 cap; 512→256 passes).
/// Subsampling first also skips 3/4 of the multiplies.
/// The only state is <c>weight</c> [out, in, 1, 1], so the module sits where torchvision has a Conv2d
/// and its key stays <c>downsample.0.weight</c>.
/// </summary>
public sealed class StridedPointwiseConv : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly long _stride;

    public StridedPointwiseConv(long inChannels, long outChannels, long stride) : base(nameof(StridedPointwiseConv))
    {
        if (inChannels <= 0 || outChannels <= 0) throw new ArgumentException($"channels must be positive, got {inChannels} -> {outChannels}");
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, "stride must be at least 1");
        _stride = stride;
        weight = new Parameter(empty(outChannels, inChannels, 1, 1));
        nn.init.kaiming_normal_(weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
        RegisterComponents();
    }

    /// <summary>The convolution kernel, [out, in, 1, 1].</summary>
    public Parameter Weight => weight;

    public long Stride => _stride;

    public override Tensor forward(Tensor input)
    {
        if (_stride == 1) return nn.functional.conv2d(input, weight);
        using var subsampled = input[TensorIndex.Colon, TensorIndex.Colon,
            TensorIndex.Slice(step: _stride), TensorIndex.Slice(step: _stride)];
        return nn.functional.conv2d(subsampled, weight);
    }
}
