namespace FedActors.Learning.Models;

/// <summary>Which torchvision ResNet topology the backbone follows.</summary>
public enum ResNetArchitecture
{
    /// <summary>BasicBlocks [2,2,2,2], 512·w features.</summary>
    ResNet18,

    /// <summary>BasicBlocks [3,4,6,3], 512·w features.</summary>
    ResNet34,

    /// <summary>Bottlenecks [3,4,6,3] (stride on the 3×3 conv, torchvision "v1.5"), 2048·w features.</summary>
    ResNet50,
}

/// <summary>The first layers of the backbone, chosen by image size and compute budget.</summary>
public enum StemKind
{
    /// <summary>torchvision's: 7×7 conv stride 2, then 3×3 max-pool stride 2 (for ≥ 96 px images).</summary>
    ImageNet,

    /// <summary>3×3 conv stride 1, no max-pool (CIFAR-style, for 32 px images).</summary>
    Small,

    /// <summary>3×3 conv stride 2, no max-pool: a quarter of <see cref="Small"/>'s compute, for CPU runs.</summary>
    SmallStrided,
}

/// <summary>
/// The shape of the shared network: a ResNet backbone and the SimCLR projection head on top of it.
/// Task heads are sized per task elsewhere. Every client and the server build the same network from
/// one spec, so weight names and shapes line up.
/// </summary>
public sealed record BackboneSpec
{
    public ResNetArchitecture Architecture { get; init; } = ResNetArchitecture.ResNet18;

    public StemKind Stem { get; init; } = StemKind.ImageNet;

    /// <summary>Width multiplier: stage widths are 64·w, 128·w, 256·w, 512·w (at least 8 each).</summary>
    public double Width { get; init; } = 1.0;

    /// <summary>Blocks per stage, overriding the architecture's (e.g. [1,1,1,1] for tiny CPU runs).</summary>
    public IReadOnlyList<int>? Blocks { get; init; }

    /// <summary>Image channels the stem expects.</summary>
    public int InputChannels { get; init; } = 3;

    /// <summary>Output size of the SimCLR projection head.</summary>
    public int ProjectionDim { get; init; } = 128;

    /// <summary>Hidden size of the projection head; null means the backbone's feature size (as in SimCLR).</summary>
    public int? ProjectionHiddenDim { get; init; }

    /// <summary>BatchNorm on the projection head's hidden layer (SimCLR's choice).</summary>
    public bool ProjectionBatchNorm { get; init; } = true;

    /// <summary>Blocks per stage actually used.</summary>
    public IReadOnlyList<int> StageBlocks => Blocks ?? Architecture switch
    {
        ResNetArchitecture.ResNet18 => [2, 2, 2, 2],
        ResNetArchitecture.ResNet34 => [3, 4, 6, 3],
        ResNetArchitecture.ResNet50 => [3, 4, 6, 3],
        _ => throw new ArgumentOutOfRangeException(nameof(Architecture), Architecture, "unknown ResNet architecture"),
    };

    /// <summary>Bottlenecks widen their output 4×.</summary>
    public int Expansion => Architecture == ResNetArchitecture.ResNet50 ? 4 : 1;

    /// <summary>Width of stage <paramref name="stage"/> (0..3) before expansion: 64·2^stage·w, at least 8.</summary>
    public int StageWidth(int stage)
    {
        if (stage is < 0 or > 3) throw new ArgumentOutOfRangeException(nameof(stage), stage, "ResNet stages are 0..3");
        return Math.Max(8, (int)Math.Round(64 * (1 << stage) * Width, MidpointRounding.AwayFromZero));
    }

    /// <summary>Size of the pooled feature vector the backbone outputs.</summary>
    public int FeatureDim => StageWidth(3) * Expansion;

    public int ProjectionHidden => ProjectionHiddenDim ?? FeatureDim;

    /// <summary>Throws with a message naming the field when the spec cannot be built.</summary>
    public void Validate()
    {
        if (!(Width > 0) || double.IsInfinity(Width)) throw new ArgumentException($"backbone width must be a positive number, got {Width}");
        if (InputChannels <= 0) throw new ArgumentException($"backbone input channels must be positive, got {InputChannels}");
        if (Blocks is not null && (Blocks.Count != 4 || Blocks.Any(b => b < 1)))
            throw new ArgumentException($"backbone blocks must be 4 positive counts, got [{string.Join(",", Blocks)}]");
        if (ProjectionDim <= 0) throw new ArgumentException($"projection dim must be positive, got {ProjectionDim}");
        if (ProjectionHiddenDim is <= 0) throw new ArgumentException($"projection hidden dim must be positive, got {ProjectionHiddenDim}");
        if (!Enum.IsDefined(Architecture)) throw new ArgumentException($"unknown ResNet architecture {Architecture}");
        if (!Enum.IsDefined(Stem)) throw new ArgumentException($"unknown stem {Stem}");
    }
}
