using FedActors.Core;

namespace FedActors.Learning.Interop;

/// <summary>
/// Which torchvision ResNet a state dict fits exactly, judged from its keys and shapes. Only width 1.0 with the
/// ImageNet stem and torchvision's block counts fit: a narrower or CIFAR-stemmed FedActors backbone has
/// torchvision's key names but not its shapes, and loads only into a model built to the same spec.
/// </summary>
public static class TorchvisionModel
{
    private const int BatchNormEntries = 5; // weight, bias, running_mean, running_var, num_batches_tracked

    /// <summary>
    /// The Python expression that builds the matching model, e.g. <c>torchvision.models.resnet18(num_classes=6)</c>
    /// (with <c>fc</c>) or <c>torchvision.models.resnet50()</c> (without: load with <c>strict=False</c>, or set
    /// <c>model.fc = torch.nn.Identity()</c> first); null when no torchvision ResNet fits.
    /// </summary>
    public static string? Constructor(ModelWeights stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        if (!stateDict.TryGet("conv1.weight", out var stem) || !stem.Shape.SequenceEqual([64, 3, 7, 7])) return null;
        var bottleneck = stateDict.Contains("layer1.0.conv3.weight");
        var blocks = new int[4];
        for (var stage = 0; stage < 4; stage++)
        {
            while (stateDict.Contains($"layer{stage + 1}.{blocks[stage]}.conv1.weight")) blocks[stage]++;
            if (!stateDict.TryGet($"layer{stage + 1}.0.conv1.weight", out var first) || first.Shape[0] != 64 << stage) return null;
        }
        var name = (bottleneck, string.Join(",", blocks)) switch
        {
            (false, "2,2,2,2") => "resnet18",
            (false, "3,4,6,3") => "resnet34",
            (true, "3,4,6,3") => "resnet50",
            (true, "3,4,23,3") => "resnet101",
            (true, "3,8,36,3") => "resnet152",
            _ => null,
        };
        if (name is null) return null;

        // Nothing missing or extra: count the entries torchvision's model has.
        var perBlock = bottleneck ? 3 * (1 + BatchNormEntries) : 2 * (1 + BatchNormEntries);
        var downsamples = bottleneck ? 4 : 3;
        var expected = 1 + BatchNormEntries + blocks.Sum() * perBlock + downsamples * (1 + BatchNormEntries);
        var features = 512 * (bottleneck ? 4 : 1);
        if (stateDict.TryGet("fc.weight", out var fc))
        {
            if (!stateDict.TryGet("fc.bias", out var bias) || fc.Shape.Length != 2 || fc.Shape[1] != features
                || !bias.Shape.SequenceEqual([fc.Shape[0]]))
                return null;
            return stateDict.Count == expected + 2 ? $"torchvision.models.{name}(num_classes={fc.Shape[0]})" : null;
        }
        return stateDict.Count == expected ? $"torchvision.models.{name}()" : null;
    }
}
