using TorchSharp;
using static TorchSharp.torch;

namespace FedActors.Learning;

/// <summary>Turns a configured device name into a torch device.</summary>
public static class DeviceSelector
{
    /// <summary>
    /// <c>auto</c> (CUDA when libtorch sees a GPU, else CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.
    /// Asking for a GPU that is not there is an error, not a silent fallback.
    /// </summary>
    public static Device Resolve(string name)
    {
        var key = name?.Trim().ToLowerInvariant() ?? "";
        switch (key)
        {
            case "auto":
                return cuda.is_available() ? CUDA : CPU;
            case "cpu":
                return CPU;
        }
        if (key == "cuda" || key.StartsWith("cuda:", StringComparison.Ordinal))
        {
            var index = 0;
            if (key.Length > 4 && (!int.TryParse(key.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index)))
                throw new ArgumentException($"device '{name}': expected cuda:N with N a GPU index");
            if (!cuda.is_available())
                throw new InvalidOperationException($"device '{name}' asked for, but libtorch sees no CUDA GPU (is this a CPU build of libtorch?)");
            var count = cuda.device_count();
            if (index >= count) throw new ArgumentException($"device '{name}': only {count} CUDA device(s) present");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"unknown device '{name}': expected auto, cpu, cuda or cuda:N");
    }
}
