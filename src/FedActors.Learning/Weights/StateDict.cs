using System.Runtime.InteropServices;
using FedActors.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace FedActors.Learning.Weights;

/// <summary>
/// Copies between a module's state dict (parameters and persistent buffers) and <see cref="ModelWeights"/>.
/// Entries are in PyTorch's state-dict order (a module's own parameters, then its own buffers, then its
/// children in registration order), so exported snapshots line up with <c>torch.save(model.state_dict())</c>.
/// Integer buffers (<c>num_batches_tracked</c>) travel as floats.
/// </summary>
public static class StateDict
{
    /// <summary>The module's state-dict entries, in PyTorch order. The tensors are the module's own (not copies).</summary>
    public static IReadOnlyList<(string Key, Tensor Tensor)> Entries(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var entries = new List<(string, Tensor)>();
        Collect(module, "", entries);
        return entries;
    }

    /// <summary>Copies the module's state (the entries <paramref name="include"/> keeps) out, each named <c>prefix.key</c>.</summary>
    public static ModelWeights Export(nn.Module module, string prefix, Func<string, bool>? include = null)
    {
        var tensors = new List<NamedTensor>();
        foreach (var (key, tensor) in Entries(module))
        {
            if (include is not null && !include(key)) continue;
            tensors.Add(ToNamedTensor(WeightNames.Join(prefix, key), tensor));
        }
        return new ModelWeights(tensors);
    }

    /// <summary>
    /// Copies <c>prefix.key</c> of <paramref name="weights"/> into every state-dict entry of the module that
    /// <paramref name="include"/> keeps. Every such entry must be present with the module's shape.
    /// </summary>
    /// <exception cref="KeyNotFoundException">An entry is missing from <paramref name="weights"/>.</exception>
    /// <exception cref="ArgumentException">An entry has another shape than the module's.</exception>
    public static void Import(nn.Module module, ModelWeights weights, string prefix, Func<string, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var entries = Entries(module);
        // Check everything before copying anything, so a bad snapshot leaves the module untouched.
        var sources = new List<(Tensor Target, NamedTensor Source)>(entries.Count);
        foreach (var (key, target) in entries)
        {
            if (include is not null && !include(key)) continue;
            var name = WeightNames.Join(prefix, key);
            if (!weights.TryGet(name, out var source))
                throw new KeyNotFoundException($"weights lack tensor '{name}' (shape [{string.Join(",", target.shape)}]) that the model needs");
            if (!source.Shape.Select(d => (long)d).SequenceEqual(target.shape))
                throw new ArgumentException(
                    $"tensor '{name}' has shape [{string.Join(",", source.Shape)}] but the model expects [{string.Join(",", target.shape)}]");
            sources.Add((target, source));
        }
        using var noGrad = no_grad();
        foreach (var (target, source) in sources)
        {
            using var values = tensor(source.Data, source.Shape.Select(d => (long)d).ToArray());
            target.copy_(values);
        }
    }

    /// <summary>One tensor as a row-major float32 <see cref="NamedTensor"/>.</summary>
    public static NamedTensor ToNamedTensor(string name, Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var scope = NewDisposeScope();
        var values = source.detach().to(ScalarType.Float32, CPU).contiguous();
        float[] data = [];
        if (values.numel() > 0)
        {
            // One block copy of the contiguous CPU storage: TensorAccessor.CopyTo, element by element, was slower here.
            data = FreshMemory.Floats(checked((int)values.numel()));
            MemoryMarshal.Cast<byte, float>(values.bytes).CopyTo(data);
        }
        return new NamedTensor(name, source.shape.Select(d => checked((int)d)).ToArray(), data);
    }

    private static void Collect(nn.Module module, string prefix, List<(string, Tensor)> into)
    {
        foreach (var (name, parameter) in module.named_parameters(recurse: false))
            into.Add((WeightNames.Join(prefix, name), parameter));
        foreach (var (name, buffer) in module.named_buffers(recurse: false, include_nonpersistent: false))
            into.Add((WeightNames.Join(prefix, name), buffer));
        foreach (var (name, child) in module.named_children())
            Collect(child, WeightNames.Join(prefix, name), into);
    }
}
