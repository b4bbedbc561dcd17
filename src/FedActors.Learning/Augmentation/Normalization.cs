namespace FedActors.Learning.Augmentation;

/// <summary>
/// Per-channel mean and standard deviation subtracted from [0,1] images before the network: one setting
/// for every phase and for evaluation, since the backbone must see one input distribution.
/// Each list holds one value per image channel, or a single value for all channels.
/// </summary>
public sealed record Normalization(IReadOnlyList<float> Mean, IReadOnlyList<float> Std)
{
    /// <summary>ImageNet's RGB statistics, the usual choice.</summary>
    public static Normalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    public void Validate()
    {
        if (Mean is not { Count: > 0 } || Std is not { Count: > 0 } || Std.Any(s => !(s > 0)))
            throw new ArgumentException("normalisation needs mean and std values, std positive");
        if (Mean.Count != Std.Count)
            throw new ArgumentException($"normalisation has {Mean.Count} means but {Std.Count} stds");
    }
}
