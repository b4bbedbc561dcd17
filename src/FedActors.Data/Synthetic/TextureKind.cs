namespace FedActors.Data.Synthetic;

/// <summary>The six classes of the <c>textures</c> task, in label order.</summary>
public enum TextureKind
{
    Stripes,
    Checker,
    Dots,
    Blocks,
    Rings,
    Waves,
}

/// <summary>
/// One background texture as a brightness pattern in 0..1. Coordinates are pixels in the texture's own
/// frame (already rotated and shifted), <paramref name="period"/> in pixels.
/// </summary>
internal static class TextureGeometry
{
    public const int Count = 6;

    public static string Name(TextureKind kind) => kind.ToString().ToLowerInvariant();

    /// <param name="salt">Per-image value that makes the random block pattern differ between images.</param>
    /// <param name="ringX">Centre of the rings, in the same frame.</param>
    public static float Value(TextureKind kind, float u, float v, float period, uint salt, float ringX, float ringY)
    {
        var w = 2 * MathF.PI / period;
        switch (kind)
        {
            case TextureKind.Stripes:
                return Soft(MathF.Sin(w * u), 2.5f);
            case TextureKind.Checker:
                return Soft(MathF.Sin(w * u) * MathF.Sin(w * v), 4f);
            case TextureKind.Dots:
            {
                var fu = u / period - MathF.Floor(u / period) - 0.5f;
                var fv = v / period - MathF.Floor(v / period) - 0.5f;
                var d = MathF.Sqrt(fu * fu + fv * fv) * period;
                return Math.Clamp(0.5f + (0.3f * period - d), 0f, 1f);
            }
            case TextureKind.Blocks:
            {
                var cell = 0.6f * period;
                var cx = (int)MathF.Floor(u / cell);
                var cy = (int)MathF.Floor(v / cell);
                return (Hash((uint)cx, (uint)cy, salt) & 0xFFFF) / 65535f;
            }
            case TextureKind.Rings:
            {
                var dx = u - ringX;
                var dy = v - ringY;
                return Soft(MathF.Sin(w * MathF.Sqrt(dx * dx + dy * dy)), 2.5f);
            }
            case TextureKind.Waves:
                return Soft(MathF.Sin(w * (u + 0.3f * period * MathF.Sin(w * 0.5f * v))), 2.5f);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>A sine sharpened towards a square wave, mapped to 0..1.</summary>
    private static float Soft(float s, float gain) => 0.5f + 0.5f * Math.Clamp(s * gain, -1f, 1f);

    private static uint Hash(uint x, uint y, uint salt)
    {
        var h = x * 0x8DA6B343u ^ y * 0xD8163841u ^ salt * 0xCB1AB31Fu;
        h ^= h >> 16;
        h *= 0x7FEB352Du;
        h ^= h >> 15;
        h *= 0x846CA68Bu;
        h ^= h >> 16;
        return h;
    }
}
