using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FedActors.Learning.Models;

/// <summary>
/// SimCLR's projection head g(h): Linear → (BatchNorm) → ReLU → Linear. The contrastive loss is taken on
/// its output; the representation used downstream is its input. Keys: <c>linear1.*</c>, <c>bn1.*</c>
/// (when present), <c>linear2.*</c>; globally prefixed <c>projector.</c>.
/// </summary>
public sealed class ProjectionHead : Module<Tensor, Tensor>
{
    private readonly Linear linear1;
    private readonly BatchNorm? bn1;
    private readonly Linear linear2;

    public ProjectionHead(int inputDim, int hiddenDim, int outputDim, bool batchNorm) : base(nameof(ProjectionHead))
    {
        if (inputDim <= 0 || hiddenDim <= 0 || outputDim <= 0)
            throw new ArgumentException($"projection head sizes must be positive, got {inputDim} -> {hiddenDim} -> {outputDim}");
        // A bias in front of BatchNorm is cancelled by its mean subtraction.
        linear1 = Linear(inputDim, hiddenDim, hasBias: !batchNorm);
        bn1 = batchNorm ? BatchNorm.For1d(hiddenDim) : null;
        linear2 = Linear(hiddenDim, outputDim);
        OutputDim = outputDim;
        RegisterComponents();
    }

    public int OutputDim { get; }

    public static ProjectionHead For(BackboneSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new ProjectionHead(spec.FeatureDim, spec.ProjectionHidden, spec.ProjectionDim, spec.ProjectionBatchNorm);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = linear1.call(input);
        if (bn1 is not null) x = bn1.call(x);
        return linear2.call(x.relu_()).MoveToOuterDisposeScope();
    }
}
