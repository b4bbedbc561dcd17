using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace FedActors.Learning;

/// <summary>Process-wide libtorch settings.</summary>
public static class TorchRuntime
{
    /// <summary>oneDNN's cap on the instruction set its JIT kernels use.</summary>
    public const string OneDnnIsaVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The cap applied when the user set none.</summary>
    public const string DefaultOneDnnIsa = "AVX2";

    private static readonly object Gate = new();
    private static bool _interOpSet;

    /// <summary>
    /// Sets libtorch's intra-op thread count, and its inter-op count the first time (libtorch accepts that
    /// one only once per process, before any parallel work). Later calls only change the intra-op count.
    /// </summary>
    public static void Configure(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "torch needs at least one thread");
        CapOneDnnInstructionSet();
        lock (Gate)
        {
            set_num_threads(threads);
            if (_interOpSet) return;
            _interOpSet = true;
            try
            {
                set_num_interop_threads(threads);
            }
            catch (Exception e) when (e is InvalidOperationException or ExternalException)
            {
                // Already fixed by earlier parallel work in this process; intra-op is what matters for CPU training.
            }
        }
    }

    /// <summary>
    /// Caps oneDNN at AVX2 unless <c>ONEDNN_MAX_CPU_ISA</c> is already set. On this project's virtual
    /// AVX-512 CPUs, oneDNN 3.7's AVX-512 convolution backward-data kernel returns wrong gradients, some of
    /// them NaN, and differently from call to call (e.g. 8→8 channels, 3×3, 8×8 px, batch 32: 41% relative
    /// error against float64); at AVX2 it is exact to 1e-6. oneDNN reads the variable once, at its first
    /// primitive, so this runs when this assembly loads, before any convolution.
    /// Set <c>ONEDNN_MAX_CPU_ISA=ALL</c> to lift the cap on hardware known to be sound.
    /// </summary>
    public static void CapOneDnnInstructionSet()
    {
        if (!OperatingSystem.IsLinux()) return;
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(OneDnnIsaVariable))) return;
        // Environment.SetEnvironmentVariable does not reach the native environment on Unix; libtorch reads that one.
        if (NativeMethods.setenv(OneDnnIsaVariable, DefaultOneDnnIsa, overwrite: 0) != 0)
            throw new InvalidOperationException($"could not set {OneDnnIsaVariable} (errno {Marshal.GetLastPInvokeError()})");
        Environment.SetEnvironmentVariable(OneDnnIsaVariable, DefaultOneDnnIsa);
    }

#pragma warning disable CA2255 // Must run before the first oneDNN primitive, whoever calls torch first.
    [ModuleInitializer]
    internal static void OnLoad() => CapOneDnnInstructionSet();
#pragma warning restore CA2255

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int setenv(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string value,
            int overwrite);
    }
}
