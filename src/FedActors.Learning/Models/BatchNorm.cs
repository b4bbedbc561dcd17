using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace FedActors.Learning.Models;

/// <summary>
/// Batch normalisation with torchvision's parameters and buffers (<c>weight</c>, <c>bias</c>,
/// <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>), used instead of TorchSharp's
/// <c>BatchNorm1d/2d</c>. Why: TorchSharp 0.107's BatchNorm counts batches with
/// <c>num_batches_tracked.add_(1)</c>, which converts 1 into two temporary native <see cref="Scalar"/>s and
/// passes their handles to libtorch without keeping the managed objects alive. A garbage collection in that
/// window lets the finalizer thread free a Scalar that libtorch is about to read and the allocator hand
/// the memory to another (floating-point) Scalar; measured here in a Release run, a supervised round died
/// with "For integral input tensors, argument alpha must not be a floating point number". This module
/// increments with <see cref="RootedScalars"/>, which are never collected.
/// </summary>
internal sealed class BatchNorm : NormBase
{
    private readonly int inputDims;

    private BatchNorm(long features, int inputDims, string name)
        : base(features, eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true, device: null, dtype: null, name)
    {
        this.inputDims = inputDims;
    }

    /// <summary>Over (N, C, H, W) input, as <c>nn.BatchNorm2d</c>.</summary>
    public static BatchNorm For2d(long features) => new(features, 4, "BatchNorm2d");

    /// <summary>Over (N, C) input, as <c>nn.BatchNorm1d</c>.</summary>
    public static BatchNorm For1d(long features) => new(features, 2, "BatchNorm1d");

    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.ndim != inputDims)
            throw new ArgumentException($"{GetName()} expects {inputDims}-D input, got {input.ndim}-D {string.Join('x', input.shape)}");
    }

    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        if (training)
        {
            using var noGrad = no_grad();
            num_batches_tracked!.add_(RootedScalars.LongOne, RootedScalars.LongOne);
        }
        // A mixed-precision fit keeps BatchNorm's parameters and statistics in float32 (Training.MixedPrecision), as
        // autocast does, and feeds it bfloat16/float16 activations. libtorch normalises such input against them
        // directly (CPU and CUDA), accumulating in float32 and returning the input's type, so no float32 copy of the
        // activations is made (casting in and out around each of ResNet50's 53 BatchNorms cost a bf16 step on an
        // H200 all it gained: BENCHMARKS.md, "SimCLR on a GPU").
        return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum ?? 0.1, eps);
    }
}
