using TorchSharp;
using static TorchSharp.torch;

namespace FedActors.Learning.Models;

/// <summary>
/// How a network's image tensors (convolution weights and activations, shaped [N, C, H, W]) lie in memory:
/// channels-first stores them row-major in that order, channels-last as [N, H, W, C] (PyTorch's
/// <c>torch.channels_last</c>). cuDNN runs its tensor-core convolutions on channels-last data; fed
/// channels-first, it transposes around each one. TorchSharp 0.107 has no <c>memory_format</c> argument, so
/// channels-last is made from strides (<see cref="MemoryFormats.ToChannelsLast"/>).
/// </summary>
public enum MemoryFormat
{
    /// <summary>Channels-last on CUDA, channels-first on the CPU.</summary>
    Auto,
    ChannelsFirst,
    ChannelsLast,
}

public static class MemoryFormats
{
    /// <summary>
    /// The widest network (its <see cref="BackboneSpec.FeatureDim"/>, the most channels of any convolution) that may run
    /// channels-last on the CPU. On this project's CPUs libtorch 2.10's oneDNN kills the process with SIGFPE in the
    /// backward pass of a channels-last ResNet50 (2048 channels; at 32, 64 and 96 px), while ResNet50 at width 0.5
    /// (1024) and ResNet18 (512; at 32, 64 and 128 px) trained. 512 is the widest seen to work with margin.
    /// </summary>
    public const int CpuChannelsLastMaxChannels = 512;

    /// <summary>
    /// Throws, saying why, when <paramref name="format"/> would lay <paramref name="spec"/> out channels-last on a CPU
    /// device for which that is known to crash (see <see cref="CpuChannelsLastMaxChannels"/>).
    /// </summary>
    public static void EnsureSafe(this MemoryFormat format, BackboneSpec spec, Device device)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!format.IsChannelsLastOn(device) || device.type != DeviceType.CPU || spec.FeatureDim <= CpuChannelsLastMaxChannels) return;
        throw new ArgumentException(
            $"channels-last on the CPU is limited to networks of at most {CpuChannelsLastMaxChannels} channels; this one has " +
            $"{spec.FeatureDim}, and oneDNN crashes the process (SIGFPE) in the backward pass of such a network: use channels-first or auto");
    }

    /// <summary>Parses <c>auto | channels-first | channels-last</c> (case-insensitive).</summary>
    public static MemoryFormat Parse(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "auto" => MemoryFormat.Auto,
        "channels-first" or "channels_first" or "contiguous" => MemoryFormat.ChannelsFirst,
        "channels-last" or "channels_last" => MemoryFormat.ChannelsLast,
        _ => throw new ArgumentException($"unknown memory format '{name}': expected auto, channels-first or channels-last"),
    };

    /// <summary>The configuration name: <c>auto</c>, <c>channels-first</c> or <c>channels-last</c>.</summary>
    public static string Name(this MemoryFormat format) => format switch
    {
        MemoryFormat.Auto => "auto",
        MemoryFormat.ChannelsFirst => "channels-first",
        MemoryFormat.ChannelsLast => "channels-last",
        _ => format.ToString(),
    };

    /// <summary>Whether a network on <paramref name="device"/> computes channels-last under this setting.</summary>
    public static bool IsChannelsLastOn(this MemoryFormat format, Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return format switch
        {
            MemoryFormat.Auto => device.type == DeviceType.CUDA,
            MemoryFormat.ChannelsFirst => false,
            MemoryFormat.ChannelsLast => true,
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown memory format"),
        };
    }

    /// <summary>
    /// The same [N, C, H, W] values stored channels-last (strides [HWC, 1, WC, C]): a copy, or an alias of
    /// <paramref name="tensor"/> when it already is. Like <c>tensor.contiguous(memory_format=torch.channels_last)</c>.
    /// </summary>
    public static Tensor ToChannelsLast(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.dim() != 4) throw new ArgumentException($"channels-last needs a 4-D tensor [N, C, H, W], got [{string.Join(",", tensor.shape)}]");
        if (IsChannelsLast(tensor)) return tensor.alias();
        using var nhwc = tensor.permute(0, 2, 3, 1);
        using var dense = nhwc.contiguous();
        return dense.permute(0, 3, 1, 2);
    }

    /// <summary>
    /// Whether a 4-D tensor has channels-last strides. As in libtorch, the stride of a dimension of size 1 does not
    /// count: it never moves (a 1×1 kernel is both channels-first and channels-last).
    /// </summary>
    public static bool IsChannelsLast(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.dim() != 4) return false;
        var expected = 1L;
        foreach (var dimension in new[] { 1, 3, 2, 0 })
        {
            var size = tensor.shape[dimension];
            if (size != 1 && tensor.stride(dimension) != expected) return false;
            expected *= size;
        }
        return true;
    }
}
