namespace FedActors.Data.Synthetic;

/// <summary>The ten classes of the <c>shapes</c> task, in label order.</summary>
public enum ShapeKind
{
    Circle,
    Triangle,
    Rhombus,
    Pentagon,
    Hexagon,
    Star,
    Cross,
    Ring,
    Crescent,
    Semicircle,
}

/// <summary>
/// Signed distance to each shape in its own unit frame (farthest point about 1 from the origin; negative
/// inside). Distances are exact for the polygons and the round shapes, so one pixel of anti-aliasing
/// comes from scaling the distance to pixels.
/// </summary>
internal static class ShapeGeometry
{
    public const int Count = 10;

    private static readonly float[] TriangleVertices = RegularPolygon(3, 1.0f, MathF.PI / 2);

    // Unequal diagonals: under free rotation a square "diamond" would just be a square.
    private static readonly float[] RhombusVertices = [1.0f, 0, 0, 0.52f, -1.0f, 0, 0, -0.52f];

    private static readonly float[] PentagonVertices = RegularPolygon(5, 0.95f, MathF.PI / 2);
    private static readonly float[] HexagonVertices = RegularPolygon(6, 0.92f, 0);
    private static readonly float[] StarVertices = Star(5, 1.0f, 0.42f);

    private static readonly float[] CrossVertices =
    [
        0.3f, 0.95f, -0.3f, 0.95f, -0.3f, 0.3f, -0.95f, 0.3f, -0.95f, -0.3f, -0.3f, -0.3f,
        -0.3f, -0.95f, 0.3f, -0.95f, 0.3f, -0.3f, 0.95f, -0.3f, 0.95f, 0.3f, 0.3f, 0.3f,
    ];

    public static string Name(ShapeKind kind) => kind.ToString().ToLowerInvariant();

    public static float Distance(ShapeKind kind, float x, float y) => kind switch
    {
        ShapeKind.Circle => Length(x, y) - 0.82f,
        ShapeKind.Triangle => Polygon(TriangleVertices, x, y),
        ShapeKind.Rhombus => Polygon(RhombusVertices, x, y),
        ShapeKind.Pentagon => Polygon(PentagonVertices, x, y),
        ShapeKind.Hexagon => Polygon(HexagonVertices, x, y),
        ShapeKind.Star => Polygon(StarVertices, x, y),
        ShapeKind.Cross => Polygon(CrossVertices, x, y),
        ShapeKind.Ring => MathF.Abs(Length(x, y) - 0.68f) - 0.27f,
        // A disc with an off-centre disc taken out.
        ShapeKind.Crescent => MathF.Max(Length(x, y) - 0.95f, -(Length(x - 0.5f, y) - 0.78f)),
        // Upper half of a disc, shifted so the half sits around the origin.
        ShapeKind.Semicircle => MathF.Max(Length(x, y + 0.4f) - 1.0f, -(y + 0.4f)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static float Length(float x, float y) => MathF.Sqrt(x * x + y * y);

    /// <summary>Exact signed distance to a closed polygon given as x0,y0,x1,y1,... (any winding, may be concave).</summary>
    private static float Polygon(float[] v, float px, float py)
    {
        var n = v.Length / 2;
        var dx0 = px - v[0];
        var dy0 = py - v[1];
        var best = dx0 * dx0 + dy0 * dy0;
        var sign = 1f;
        for (int i = 0, j = n - 1; i < n; j = i, i++)
        {
            float xi = v[2 * i], yi = v[2 * i + 1], xj = v[2 * j], yj = v[2 * j + 1];
            float ex = xj - xi, ey = yj - yi, wx = px - xi, wy = py - yi;
            var t = Math.Clamp((wx * ex + wy * ey) / (ex * ex + ey * ey), 0f, 1f);
            float bx = wx - ex * t, by = wy - ey * t;
            best = MathF.Min(best, bx * bx + by * by);
            // Crossing test along +x decides inside/outside (even-odd rule).
            var c1 = py >= yi;
            var c2 = py < yj;
            var c3 = ex * wy > ey * wx;
            if ((c1 && c2 && c3) || (!c1 && !c2 && !c3)) sign = -sign;
        }
        return sign * MathF.Sqrt(best);
    }

    private static float[] RegularPolygon(int sides, float radius, float phase)
    {
        var v = new float[2 * sides];
        for (var k = 0; k < sides; k++)
        {
            var a = phase + 2 * MathF.PI * k / sides;
            v[2 * k] = radius * MathF.Cos(a);
            v[2 * k + 1] = radius * MathF.Sin(a);
        }
        return v;
    }

    private static float[] Star(int points, float outer, float inner)
    {
        var v = new float[4 * points];
        for (var k = 0; k < 2 * points; k++)
        {
            var a = MathF.PI / 2 + MathF.PI * k / points;
            var r = k % 2 == 0 ? outer : inner;
            v[2 * k] = r * MathF.Cos(a);
            v[2 * k + 1] = r * MathF.Sin(a);
        }
        return v;
    }
}
