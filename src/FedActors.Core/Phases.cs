namespace FedActors.Core;

/// <summary>Names of the training phases a round can belong to.</summary>
public static class Phases
{
    /// <summary>Stage 1: backbone + projector trained with SimCLR on unlabeled data.</summary>
    public const string SimClr = "simclr";

    /// <summary>Stage 2: task heads on labeled data; backbone frozen except what the config lets train.</summary>
    public const string Heads = "heads";

    /// <summary>Supervised training of the whole network from its current weights (the baselines).</summary>
    public const string Supervised = "supervised";

    public static readonly IReadOnlyList<string> All = [SimClr, Heads, Supervised];

}
