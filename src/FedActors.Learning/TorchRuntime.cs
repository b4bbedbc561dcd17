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
    /// cuDNN autotuning, PyTorch's <c>torch.backends.cudnn.benchmark</c>: with it on, the first convolution of each
    /// input shape times cuDNN's algorithms and keeps the fastest. Off by default in libtorch; it only affects CUDA.
    /// TorchSharp 0.107 does not expose it, so this calls libtorch's <c>at::Context</c> directly by its C++ symbols
    /// (Linux and macOS: Itanium name mangling); elsewhere, or if the symbols are missing, it throws
    /// <see cref="PlatformNotSupportedException"/>.
    /// </summary>
    public static bool CudnnBenchmark
    {
        get => AtContext.Value.Benchmark(AtContext.Value.Global());
        set => AtContext.Value.SetBenchmark(AtContext.Value.Global(), value);
    }

    /// <summary>
    /// Sets <see cref="CudnnBenchmark"/> where there is a CUDA GPU for it to act on; without one it does nothing, so
    /// that a CPU run never depends on reaching libtorch's C++ symbols.
    /// </summary>
    public static void ApplyCudnnBenchmark(bool on)
    {
        if (cuda.is_available()) CudnnBenchmark = on;
    }

    private static readonly Lazy<ContextExports> AtContext = new(ContextExports.Load);

    /// <summary>The few <c>at::Context</c> members used here, resolved in the loaded <c>libtorch_cpu</c>.</summary>
    private sealed record ContextExports(
        ContextExports.GlobalContext Global, ContextExports.GetFlag Benchmark, ContextExports.SetFlag SetBenchmark)
    {
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        public delegate IntPtr GlobalContext();

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.U1)]
        public delegate bool GetFlag(IntPtr context);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        public delegate void SetFlag(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool value);

        // at::globalContext(), at::Context::benchmarkCuDNN() const, at::Context::setBenchmarkCuDNN(bool).
        private const string GlobalSymbol = "_ZN2at13globalContextEv";
        private const string GetSymbol = "_ZNK2at7Context14benchmarkCuDNNEv";
        private const string SetSymbol = "_ZN2at7Context17setBenchmarkCuDNNEb";

        public static ContextExports Load()
        {
            if (OperatingSystem.IsWindows())
                throw new PlatformNotSupportedException("cudnn-benchmark: libtorch's C++ symbols are not reachable by name on Windows");
            _ = cuda.is_available(); // loads libtorch (and its CUDA part where present) the way TorchSharp does
            if (!NativeLibrary.TryLoad("torch_cpu", typeof(TorchSharp.torch).Assembly, null, out var library)
                && !NativeLibrary.TryLoad("libtorch_cpu.so", out library))
                throw new PlatformNotSupportedException("cudnn-benchmark: libtorch_cpu could not be found among the loaded libraries");
            T Export<T>(string symbol) where T : Delegate =>
                NativeLibrary.TryGetExport(library, symbol, out var address)
                    ? Marshal.GetDelegateForFunctionPointer<T>(address)
                    : throw new PlatformNotSupportedException($"cudnn-benchmark: libtorch_cpu has no symbol {symbol} (another libtorch version?)");
            return new ContextExports(Export<GlobalContext>(GlobalSymbol), Export<GetFlag>(GetSymbol), Export<SetFlag>(SetSymbol));
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
    /// work needs (docs/TROUBLESHOOTING.md, "Training much slower than expected").</item>
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
