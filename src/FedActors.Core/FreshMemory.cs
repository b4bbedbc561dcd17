using System.Runtime.InteropServices;

namespace FedActors.Core;

/// <summary>
/// Model-sized arrays (a received snapshot, an exported update, the sums of an aggregation) are written in full
/// right after the GC hands them out, often onto pages the process has never touched: every 4 KiB page then costs
/// a page fault, and on a virtual machine those faults can cost more than the work itself (BENCHMARKS.md, "Fresh
/// buffer"). On Linux, with transparent huge pages in <c>madvise</c> mode (a common default), asking for huge pages
/// over the 2 MiB-aligned interior of a large array turns 512 faults into one. Call it after allocating and before
/// the first write. Best effort: elsewhere, or when the kernel refuses, nothing changes.
/// </summary>
public static class FreshMemory
{
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE
    private const long HugePage = 2L << 20;
    private static volatile bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>A fresh array of <paramref name="length"/> floats, not zeroed, huge pages advised: the caller writes every element.</summary>
    public static float[] Floats(int length)
    {
        var array = GC.AllocateUninitializedArray<float>(length);
        PreferHugePages(array);
        return array;
    }

    /// <summary>Advises huge pages for the whole 2 MiB pages inside <paramref name="array"/>, if it holds one.</summary>
    public static void PreferHugePages(float[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (_unavailable || 4L * array.Length < HugePage) return;
        // Large arrays live on the large object heap, which the GC does not compact unless told to; the advice is
        // about the address range anyway, and a range the GC reuses is still the GC's heap.
        var pin = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            var start = pin.AddrOfPinnedObject();
            var first = (start + (nint)(HugePage - 1)) & ~(nint)(HugePage - 1);
            var end = (start + (nint)(4L * array.Length)) & ~(nint)(HugePage - 1);
            if (end > first && Madvise(first, (nuint)(end - first), MadviseHugePage) != 0) _unavailable = true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
        }
        finally
        {
            pin.Free();
        }
    }

    // DllImport, not LibraryImport: the signature is blittable, so the runtime marshals nothing either way.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(nint address, nuint length, int advice);
#pragma warning restore SYSLIB1054
}
