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

    /// <summary>How idle OpenMP workers wait.</summary>
    public const string OmpWaitPolicyVariable = "OMP_WAIT_POLICY";

    public const string DefaultOmpWaitPolicy = "PASSIVE";

    private static readonly object Gate = new();
    private static bool _interOpSet;

    /// <summary>
    /// Sets libtorch's intra-op thread count, and its inter-op count the first time (libtorch accepts that
    /// one only once per process, before any parallel work). Later calls only change the intra-op count.
    /// </summary>
    public static void Configure(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "torch needs at least one thread");
        ApplyNativeDefaults();
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
    /// Native defaults libtorch reads once, when it loads or first runs a kernel, so they are applied when
    /// this assembly loads; each is left alone when the variable is already set.
    /// <list type="bullet">
    /// <item><c>ONEDNN_MAX_CPU_ISA=AVX2</c>. On this project's virtual AVX-512 CPUs, oneDNN 3.7's AVX-512
    /// convolution backward-data kernel returns wrong gradients, some NaN, differently from call to call
    /// (8→8 channels, 3×3, 8×8 px, batch 32: 41% relative error against float64); at AVX2 it is exact to
    /// 1e-6. Set <c>ONEDNN_MAX_CPU_ISA=ALL</c> on hardware known to be sound.</item>
    /// <item><c>OMP_WAIT_POLICY=PASSIVE</c>. OpenMP workers otherwise spin between parallel regions; on
    /// small machines shared with other processes (or several trainers) the spinning steals the cores the
    /// work needs: SimCLR training ran 3× faster on a loaded 2-core host with it.</item>
    /// </list>
    /// </summary>
    public static void ApplyNativeDefaults()
    {
        SetIfUnset(OneDnnIsaVariable, DefaultOneDnnIsa);
        SetIfUnset(OmpWaitPolicyVariable, DefaultOmpWaitPolicy);
    }

    private static void SetIfUnset(string variable, string value)
    {
        if (!OperatingSystem.IsLinux()) return;
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable))) return;
        // Environment.SetEnvironmentVariable does not reach the native environment on Unix; libtorch reads that one.
        if (NativeMethods.setenv(variable, value, overwrite: 0) != 0)
            throw new InvalidOperationException($"could not set {variable} (errno {Marshal.GetLastPInvokeError()})");
        Environment.SetEnvironmentVariable(variable, value);
    }

#pragma warning disable CA2255 // Must run before libtorch loads, whoever calls torch first.
    [ModuleInitializer]
    internal static void OnLoad() => ApplyNativeDefaults();
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
