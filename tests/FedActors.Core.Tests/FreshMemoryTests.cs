using System.Globalization;
using System.Runtime.InteropServices;
using FedActors.Core;

namespace FedActors.Core.Tests;

public class FreshMemoryTests
{
    private const long HugePage = 2L << 20;

    [Fact]
    public void Floats_must_be_as_long_as_asked_and_writable()
    {
        var values = FreshMemory.Floats(3_000_001);
        Assert.Equal(3_000_001, values.Length);
        Array.Fill(values, 2.5f);
        Assert.Equal(2.5f, values[^1]);
        Assert.Empty(FreshMemory.Floats(0));
    }

    [TransparentHugePagesFact]
    public void Large_arrays_must_carry_the_huge_page_advice_on_linux()
    {
        var values = FreshMemory.Floats(8 * 1024 * 1024); // 32 MiB: whole huge pages inside for sure
        var pin = GCHandle.Alloc(values, GCHandleType.Pinned);
        try
        {
            var start = (long)pin.AddrOfPinnedObject();
            var inside = (start + HugePage - 1) & ~(HugePage - 1);
            // The kernel marks a MADV_HUGEPAGE range with the "hg" flag in /proc/self/smaps.
            var flags = VmFlagsAt(inside);
            Assert.True(flags.Contains("hg", StringComparer.Ordinal), $"VmFlags at 0x{inside:x}: {string.Join(' ', flags)}");
        }
        finally
        {
            pin.Free();
        }
    }

    private static string[] VmFlagsAt(long address)
    {
        var inRange = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && long.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, null, out var from)
                && long.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, null, out var to))
            {
                inRange = address >= from && address < to;
            }
            else if (inRange && line.StartsWith("VmFlags:", StringComparison.Ordinal))
            {
                return line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
        }
        throw new InvalidOperationException($"no mapping in /proc/self/smaps holds 0x{address:x}");
    }
}

/// <summary>A fact that needs a Linux kernel with transparent huge pages; elsewhere the advice is a no-op, so it skips.</summary>
public sealed class TransparentHugePagesFactAttribute : FactAttribute
{
    public TransparentHugePagesFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/sys/kernel/mm/transparent_hugepage/enabled"))
            Skip = "needs Linux with transparent huge pages (elsewhere FreshMemory's advice does nothing)";
    }
}
