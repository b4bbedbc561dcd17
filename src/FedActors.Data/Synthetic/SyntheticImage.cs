namespace FedActors.Data.Synthetic;

/// <summary>
/// Renders one synthetic image: a textured background and one shape, per pixel from signed distances.
/// Everything random about the image is drawn from the <see cref="Random"/> handed in, in a fixed order,
/// so an image is a pure function of its seed.
/// </summary>
internal static class SyntheticImage
{
    public static void Render(SyntheticSpec spec, ShapeKind shape, TextureKind texture, Random rng, Span<byte> chw)
    {
        var size = spec.ImageSize;
        var plane = size * size;

        // Background colour and texture.
        var bgValue = Uniform(rng, 0.30, 0.75);
        var bgHue = rng.NextDouble();
        var (bgR, bgG, bgB) = Hsv(bgHue, Uniform(rng, 0.15, 0.75), bgValue);
        var contrast = (float)Uniform(rng, spec.TextureContrastMin, spec.TextureContrastMax);
        var period = (float)(Uniform(rng, spec.TexturePeriodMin, spec.TexturePeriodMax) * size);
        var texAngle = (float)(rng.NextDouble() * Math.PI);
        var texCos = MathF.Cos(texAngle);
        var texSin = MathF.Sin(texAngle);
        var texShiftU = (float)(rng.NextDouble() * 4 * period);
        var texShiftV = (float)(rng.NextDouble() * 4 * period);
        var salt = (uint)rng.Next();
        var ringX = (float)Uniform(rng, -0.5, 1.5) * size;
        var ringY = (float)Uniform(rng, -0.5, 1.5) * size;

        // Shape colour: hue near the background's (ShapeHueSpread), brightness at least MinColourContrast away.
        var fgHue = bgHue + (rng.NextDouble() - 0.5) * spec.ShapeHueSpread;
        fgHue -= Math.Floor(fgHue);
        var (fgR, fgG, fgB) = Hsv(fgHue, Uniform(rng, 0.3, 1.0), ShapeValue(rng, bgValue, spec.MinColourContrast, spec.MaxColourContrast));

        // Shape pose: fully inside the frame.
        var radius = (float)(Uniform(rng, spec.ShapeScaleMin, spec.ShapeScaleMax) * size);
        var slack = MathF.Max(0f, size / 2f - radius - 1f);
        var centreX = size / 2f + (float)Uniform(rng, -slack, slack);
        var centreY = size / 2f + (float)Uniform(rng, -slack, slack);
        var angle = spec.RotateShapes ? (float)(rng.NextDouble() * 2 * Math.PI) : 0f;
        var cos = MathF.Cos(angle);
        var sin = MathF.Sin(angle);
        var noise = (float)spec.PixelNoise;
        var noiseState = (uint)rng.Next() | 1u;

        for (var y = 0; y < size; y++)
        {
            var py = y + 0.5f;
            for (var x = 0; x < size; x++)
            {
                var px = x + 0.5f;

                var u = texCos * px + texSin * py + texShiftU;
                var v = -texSin * px + texCos * py + texShiftV;
                var rx = texCos * ringX + texSin * ringY + texShiftU;
                var ry = -texSin * ringX + texCos * ringY + texShiftV;
                // Same shift on every channel: texture is brightness, not hue.
                var shade = contrast * (TextureGeometry.Value(texture, u, v, period, salt, rx, ry) - 0.5f);
                float r = bgR + shade, g = bgG + shade, b = bgB + shade;

                var alpha = Coverage(shape, px - centreX, py - centreY, cos, sin, radius, spec.AntiAlias);
                if (alpha > 0f)
                {
                    r += alpha * (fgR - r);
                    g += alpha * (fgG - g);
                    b += alpha * (fgB - b);
                }

                var i = y * size + x;
                if (noise > 0f)
                {
                    chw[i] = ToByte(r + noise * Centered(ref noiseState));
                    chw[plane + i] = ToByte(g + noise * Centered(ref noiseState));
                    chw[2 * plane + i] = ToByte(b + noise * Centered(ref noiseState));
                }
                else
                {
                    chw[i] = ToByte(r);
                    chw[plane + i] = ToByte(g);
                    chw[2 * plane + i] = ToByte(b);
                }
            }
        }
    }

    /// <summary>Fraction of the pixel the shape covers, from the signed distance in pixels.</summary>
    private static float Coverage(ShapeKind shape, float dx, float dy, float cos, float sin, float radius, bool antiAlias)
    {
        // Cheap reject: every unit shape lies within distance 1.05 of its origin.
        if (dx * dx + dy * dy > (1.05f * radius + 1f) * (1.05f * radius + 1f)) return 0f;
        var ux = (cos * dx + sin * dy) / radius;
        var uy = (-sin * dx + cos * dy) / radius;
        var distance = ShapeGeometry.Distance(shape, ux, uy) * radius;
        if (!antiAlias) return distance <= 0f ? 1f : 0f;
        return Math.Clamp(0.5f - distance, 0f, 1f);
    }

    /// <summary>Shape brightness: the background's moved by a contrast in [min, max], up or down, kept within 0.05..1.</summary>
    private static double ShapeValue(Random rng, double bgValue, double minContrast, double maxContrast)
    {
        const double lo = 0.05;
        const double hi = 1.0;
        var delta = Uniform(rng, minContrast, maxContrast);
        var up = rng.NextDouble() < 0.5;
        if (up && bgValue + delta > hi) up = false;
        else if (!up && bgValue - delta < lo) up = true;
        return Math.Clamp(up ? bgValue + delta : bgValue - delta, lo, hi);
    }

    private static double Uniform(Random rng, double min, double max) => min + rng.NextDouble() * (max - min);

    /// <summary>
    /// Triangular noise in -1..1 (sum of two 16-bit uniforms) from a xorshift32 state: a few cycles per
    /// pixel, where two <see cref="Random.NextDouble"/> calls per channel cost more than the rendering.
    /// </summary>
    private static float Centered(ref uint state)
    {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return ((state & 0xFFFF) + (state >> 16)) / 65535f - 1f;
    }

    private static byte ToByte(float value) => (byte)Math.Clamp((int)MathF.Round(value * 255f), 0, 255);

    private static (float R, float G, float B) Hsv(double hue, double saturation, double value)
    {
        var h = hue * 6.0;
        var sector = (int)Math.Floor(h) % 6;
        var f = h - Math.Floor(h);
        var p = value * (1 - saturation);
        var q = value * (1 - saturation * f);
        var t = value * (1 - saturation * (1 - f));
        var (r, g, b) = sector switch
        {
            0 => (value, t, p),
            1 => (q, value, p),
            2 => (p, value, t),
            3 => (p, q, value),
            4 => (t, p, value),
            _ => (value, p, q),
        };
        return ((float)r, (float)g, (float)b);
    }
}
