using ScottPlot;
using SkiaSharp;

namespace FedActors.Hosting.Reporting;

/// <summary>The font of the report figures.</summary>
internal static class PlotFonts
{
    /// <summary>Sans fonts common on Linux, macOS and Windows; Skia's own default on Linux is often a serif.</summary>
    private static readonly string[] SansFonts = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica"];

    /// <summary>Sets the first installed sans font; without any installed font Skia draws no text, the rest still renders.</summary>
    public static void UseSans(Plot plot)
    {
        var sans = SansFonts.FirstOrDefault(f => SKFontManager.Default.FontFamilies.Contains(f, StringComparer.OrdinalIgnoreCase));
        if (sans is not null) plot.Font.Set(sans);
    }
}
