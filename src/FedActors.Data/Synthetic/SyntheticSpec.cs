namespace FedActors.Data.Synthetic;

/// <summary>
/// How the embedded synthetic images look. Every image holds one shape drawn over a textured background;
/// the task decides which of the two is the label and which is nuisance. Lengths are fractions of the
/// image side so one spec reads the same at any <see cref="ImageSize"/>. The defaults are the ones the
/// recipe probe settled on (docs/synthetic-recipe.md).
/// </summary>
public sealed record SyntheticSpec
{
    /// <summary>Side of the square RGB image, in pixels.</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>Smallest shape radius (centre to farthest vertex), as a fraction of the side.</summary>
    public double ShapeScaleMin { get; init; } = 0.20;

    /// <summary>Largest shape radius, as a fraction of the side.</summary>
    public double ShapeScaleMax { get; init; } = 0.36;

    /// <summary>Whether shapes turn by a uniform random angle (classes are told apart by form, not pose).</summary>
    public bool RotateShapes { get; init; } = true;

    /// <summary>
    /// Peak-to-peak amplitude of the background texture as a fraction of full brightness (0..1). The texture
    /// shifts all three channels by the same amount: a brightness pattern that survives grayscale and
    /// colour jitter, and, kept moderate, does not drown the shape in contrastive training.
    /// </summary>
    public double TextureContrastMin { get; init; } = 0.18;

    /// <summary>Largest texture amplitude, as a fraction of full brightness.</summary>
    public double TextureContrastMax { get; init; } = 0.34;

    /// <summary>Shortest texture period, as a fraction of the side.</summary>
    public double TexturePeriodMin { get; init; } = 0.16;

    /// <summary>Longest texture period, as a fraction of the side.</summary>
    public double TexturePeriodMax { get; init; } = 0.30;

    /// <summary>Least brightness difference between shape colour and background colour (0..1).</summary>
    public double MinColourContrast { get; init; } = 0.22;

    /// <summary>Largest brightness difference between shape colour and background colour (0..1).</summary>
    public double MaxColourContrast { get; init; } = 0.8;

    /// <summary>
    /// How far the shape's hue may stray from the background's, as a fraction of the colour wheel (0: same hue,
    /// 1: independent). A free fg/bg hue pair survives hue jitter and channel permutation (both move the pair
    /// together), so contrastive training matches views on it instead of learning shape or texture.
    /// </summary>
    public double ShapeHueSpread { get; init; } = 1.0;

    /// <summary>Amplitude of independent per-pixel noise, as a fraction of full brightness.</summary>
    public double PixelNoise { get; init; } = 0.03;

    /// <summary>Soft edges from the signed distance (one pixel wide); off gives hard 0/1 coverage.</summary>
    public bool AntiAlias { get; init; } = true;

    /// <summary>Throws when a knob is out of range, naming it.</summary>
    public void Validate()
    {
        if (ImageSize < 8 || ImageSize > 1024)
            throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "image size must be within 8..1024");
        RequireRange(nameof(ShapeScaleMin), ShapeScaleMin, nameof(ShapeScaleMax), ShapeScaleMax, 0.02, 0.5);
        RequireRange(nameof(TextureContrastMin), TextureContrastMin, nameof(TextureContrastMax), TextureContrastMax, 0, 1);
        RequireRange(nameof(TexturePeriodMin), TexturePeriodMin, nameof(TexturePeriodMax), TexturePeriodMax, 0.01, 2);
        RequireRange(nameof(MinColourContrast), MinColourContrast, nameof(MaxColourContrast), MaxColourContrast, 0, 0.95);
        if (double.IsNaN(ShapeHueSpread) || ShapeHueSpread < 0 || ShapeHueSpread > 1)
            throw new ArgumentOutOfRangeException(nameof(ShapeHueSpread), ShapeHueSpread, "must be within 0..1");
        if (PixelNoise < 0 || PixelNoise > 0.5)
            throw new ArgumentOutOfRangeException(nameof(PixelNoise), PixelNoise, "must be within 0..0.5");
    }

    private static void RequireRange(string minName, double min, string maxName, double max, double lo, double hi)
    {
        if (double.IsNaN(min) || min < lo || min > hi)
            throw new ArgumentOutOfRangeException(minName, min, $"must be within {lo}..{hi}");
        if (double.IsNaN(max) || max < min || max > hi)
            throw new ArgumentOutOfRangeException(maxName, max, $"must be within {minName} ({min})..{hi}");
    }
}
