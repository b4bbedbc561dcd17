namespace FedActors.Learning.Augmentation;

/// <summary>
/// One recipe of per-sample image augmentation. <see cref="SimClr"/> is SimCLR's (random resized crop, flip,
/// colour jitter, grayscale); <see cref="Supervised"/> the lighter crop + flip used to train heads and
/// baselines; <see cref="None"/> changes nothing.
/// </summary>
public sealed record AugmentSettings
{
    /// <summary>Smallest crop area, as a fraction of the image (SimCLR: 0.08; small images do better higher). 1 with max 1 = no crop.</summary>
    public double CropScaleMin { get; init; } = 0.2;

    public double CropScaleMax { get; init; } = 1.0;

    /// <summary>Crop aspect ratio (width/height) range, sampled log-uniformly.</summary>
    public double CropRatioMin { get; init; } = 3.0 / 4.0;

    public double CropRatioMax { get; init; } = 4.0 / 3.0;

    /// <summary>Mirror left-right with probability 0.5.</summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>Rotate by an angle uniform in ±this many degrees (0 = off). Helps shape tasks, hurts texture ones.</summary>
    public double RotationDegrees { get; init; }

    /// <summary>SimCLR's colour strength s: brightness, contrast, saturation ±0.8·s, hue ±0.2·s.</summary>
    public double ColorJitterStrength { get; init; } = 0.5;

    /// <summary>Probability that a sample gets colour jitter at all.</summary>
    public double ColorJitterProbability { get; init; } = 0.8;

    public double GrayscaleProbability { get; init; } = 0.2;

    /// <summary>Probability of a Gaussian blur (kernel ≈ 10% of the image side). 0 = off (SimCLR's CIFAR recipe).</summary>
    public double BlurProbability { get; init; }

    public double BlurSigmaMin { get; init; } = 0.1;

    public double BlurSigmaMax { get; init; } = 2.0;

    /// <summary>
    /// Probability of a random permutation of the RGB channels. Stops views matching on colour alone
    /// (see SYNTHETIC-PROBE.md: it lifted a texture probe from ~41% to ~80%).
    /// </summary>
    public double ChannelPermutationProbability { get; init; }

    /// <summary>SimCLR's augmentation, with the colour strength of its CIFAR recipe.</summary>
    public static AugmentSettings SimClr { get; } = new();

    /// <summary>Random resized crop (area ≥ 0.6) and flip, no colour changes.</summary>
    public static AugmentSettings Supervised { get; } = new()
    {
        CropScaleMin = 0.6,
        ColorJitterProbability = 0,
        GrayscaleProbability = 0,
    };

    /// <summary>No augmentation.</summary>
    public static AugmentSettings None { get; } = new()
    {
        CropScaleMin = 1,
        CropScaleMax = 1,
        CropRatioMin = 1,
        CropRatioMax = 1,
        HorizontalFlip = false,
        ColorJitterProbability = 0,
        GrayscaleProbability = 0,
    };

    internal bool Crops => CropScaleMin < 1 || CropRatioMin != 1 || CropRatioMax != 1;

    internal bool MovesGeometry => Crops || HorizontalFlip || RotationDegrees != 0;

    /// <summary>Throws with a message naming the field when a value is out of range.</summary>
    public void Validate()
    {
        Check(CropScaleMin > 0 && CropScaleMin <= CropScaleMax && CropScaleMax <= 1, "crop scale", $"0 < min ({CropScaleMin}) <= max ({CropScaleMax}) <= 1");
        Check(CropRatioMin > 0 && CropRatioMin <= CropRatioMax, "crop ratio", $"0 < min ({CropRatioMin}) <= max ({CropRatioMax})");
        Check(RotationDegrees is >= 0 and <= 180, "rotation degrees", $"0..180, got {RotationDegrees}");
        Check(ColorJitterStrength >= 0, "colour jitter strength", $">= 0, got {ColorJitterStrength}");
        CheckProbability(ColorJitterProbability, "colour jitter probability");
        CheckProbability(GrayscaleProbability, "grayscale probability");
        CheckProbability(BlurProbability, "blur probability");
        CheckProbability(ChannelPermutationProbability, "channel permutation probability");
        Check(BlurSigmaMin > 0 && BlurSigmaMin <= BlurSigmaMax, "blur sigma", $"0 < min ({BlurSigmaMin}) <= max ({BlurSigmaMax})");
    }

    private static void CheckProbability(double p, string what) => Check(p is >= 0 and <= 1, what, $"0..1, got {p}");

    private static void Check(bool ok, string what, string expected)
    {
        if (!ok) throw new ArgumentException($"augmentation {what} must be {expected}");
    }
}
