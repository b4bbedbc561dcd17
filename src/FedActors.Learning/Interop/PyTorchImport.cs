using FedActors.Core;
using FedActors.Learning.Models;
using FedActors.Learning.Weights;
using static TorchSharp.torch;

namespace FedActors.Learning.Interop;

/// <summary>Initial backbone weights from a PyTorch state dict, e.g. torchvision's ImageNet weights a user downloaded.</summary>
public static class PyTorchImport
{
    /// <summary>
    /// Reads a torchvision-keyed ResNet state dict (<c>.pt</c>/<c>.pth</c> from <c>torch.save</c>, or
    /// <c>.safetensors</c>) and returns it as <c>backbone.&lt;key&gt;</c> weights for <paramref name="spec"/>, in the
    /// backbone's state-dict order, ready for <c>ModelWeights.With</c> over the initial global weights.
    /// <c>fc.*</c> is ignored. Every other key the backbone has must be present with its shape; only
    /// <c>num_batches_tracked</c> may be absent (older torchvision checkpoints lack it; PyTorch then counts from 0, and so does this).
    /// Builds the spec's backbone once to learn its keys and shapes, restoring torch's global generator afterwards,
    /// so it leaves a seeded run's draws alone; call it on one thread, while no other thread uses that generator.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is unreadable, or does not fit the spec; the message names the file and the first offending key.</exception>
    public static ModelWeights LoadBackbone(string path, BackboneSpec spec)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var expected = BackboneShapes(spec);
        var file = StateDictFile.Read(path);
        var what = Describe(spec);

        var known = expected.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        var extra = file.Names.Where(n => !known.Contains(n) && !WeightNames.IsUnder(n, PyTorchExport.Classifier)).ToList();
        if (extra.Count > 0)
            throw new InvalidDataException(
                $"{path}: key '{extra[0]}' is not in a {what} backbone ({extra.Count} such key(s){PrefixHint(extra)})");

        var tensors = new List<NamedTensor>(expected.Count);
        foreach (var (key, shape) in expected)
        {
            var name = WeightNames.Join(WeightNames.Backbone, key);
            if (!file.TryGet(key, out var loaded))
            {
                if (!StateDictFile.IsInteger(key))
                    throw new InvalidDataException($"{path}: lacks '{key}' (shape [{string.Join(",", shape)}]) that a {what} backbone needs");
                tensors.Add(new NamedTensor(name, shape, new float[shape.Aggregate(1, (a, d) => a * d)]));
                continue;
            }
            // PyBridge reads a 0-dimensional tensor back as [1].
            var scalarAsVector = shape.Length == 0 && loaded.Shape.SequenceEqual([1]);
            if (!loaded.Shape.SequenceEqual(shape) && !scalarAsVector)
                throw new InvalidDataException(
                    $"{path}: '{key}' has shape [{string.Join(",", loaded.Shape)}] but a {what} backbone expects [{string.Join(",", shape)}]");
            if (loaded.Data.Any(v => !float.IsFinite(v)))
                throw new InvalidDataException($"{path}: '{key}' holds non-finite values");
            tensors.Add(new NamedTensor(name, shape, loaded.Data));
        }
        return new ModelWeights(tensors);
    }

    /// <summary>The backbone's state-dict keys and shapes, in order.</summary>
    private static List<KeyValuePair<string, int[]>> BackboneShapes(BackboneSpec spec)
    {
        // Building draws the initial weights from torch's global generator; put it back as it was.
        using var state = random.get_rng_state();
        try
        {
            using var backbone = new ResNet(spec);
            return StateDict.Entries(backbone)
                .Select(e => KeyValuePair.Create(e.Key, e.Tensor.shape.Select(d => checked((int)d)).ToArray()))
                .ToList();
        }
        finally
        {
            random.set_rng_state(state);
        }
    }

    private static string Describe(BackboneSpec spec) =>
        $"{spec.Architecture.ToString().ToLowerInvariant()} (stem {spec.Stem.ToString().ToLowerInvariant()}, width {spec.Width}, " +
        $"blocks {string.Join(",", spec.StageBlocks)})";

    private static string PrefixHint(List<string> extra) =>
        extra.All(n => n.StartsWith("module.", StringComparison.Ordinal)) ? "; strip the 'module.' prefix DataParallel adds"
        : extra.All(n => n.StartsWith("backbone.", StringComparison.Ordinal)) ? "; strip the 'backbone.' prefix"
        : "";
}
