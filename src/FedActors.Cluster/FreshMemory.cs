using System.Runtime.InteropServices;

namespace FedActors.Cluster;

/// <summary>
/// Receiving a snapshot writes 100 MB and more into arrays the GC has just handed out, often pages the process has
/// never touched: every 4 KiB page then costs a page fault inside the socket read, and on a virtual machine those
/// faults can cost more than the copy itself. On Linux, with transparent huge pages in <c>madvise</c> mode (a common
/// default), asking for huge pages over the 2 MiB-aligned interior of a large array turns 512 faults into one.
/// Best effort: elsewhere, or when the kernel refuses, nothing changes.
/// </summary>
internal static class FreshMemory
{
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE
    private const long HugePage = 2L << 20;
    private const long WorthIt = 2 * HugePage;
    private static volatile bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Advises huge pages for the whole 2 MiB pages inside <paramref name="array"/>, if it is large.</summary>
    public static void PreferHugePages(float[] array)
    {
        if (_unavailable || 4L * array.Length < WorthIt) return;
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

    // DllImport, not LibraryImport: the signature is blittable, and LibraryImport would need unsafe code in this project.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(nint address, nuint length, int advice);
#pragma warning restore SYSLIB1054
}
