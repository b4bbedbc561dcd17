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
    /// <summary>Parses <c>auto | channels-first | channels-last</c> (case-insensitive).</summary>
    public static MemoryFormat Parse(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "auto" => MemoryFormat.Auto,
        "channels-first" or "channels_first" or "contiguous" => MemoryFormat.ChannelsFirst,
        "channels-last" or "channels_last" => MemoryFormat.ChannelsLast,
        _ => throw new ArgumentException($"unknown memory format '{name}': expected auto, channels-first or channels-last"),
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
    /// The same [N, C, H, W] values stored channels-last (strides [HWC, 1, WC, C]); <paramref name="tensor"/> itself
    /// when it already is. Like <c>tensor.contiguous(memory_format=torch.channels_last)</c>.
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
