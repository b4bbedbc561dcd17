namespace FedActors.Data;

/// <summary>
/// One client's local data. <see cref="Unlabeled"/> keeps its labels only so evaluation can score it
/// (the paper evaluates on the unlabeled split); training code must never read them.
/// </summary>
/// <param name="Task">The client's task: its label space.</param>
/// <param name="Labeled">The labeled split (25% by default): trains the task head.</param>
/// <param name="Unlabeled">The unlabeled split (75% by default): trains the SimCLR backbone.</param>
/// <param name="Evaluation">Where accuracy is measured (by default the unlabeled split).</param>
public sealed record ClientData(string ClientId, string Task, ImageDataset Labeled, ImageDataset Unlabeled, ImageDataset Evaluation)
{
    public int NumClasses => Labeled.NumClasses;

    /// <summary>
    /// Where the k-NN monitor of the SimCLR phase measures this client's backbone: by default one probe of its own
    /// task, the labeled split as the memory bank and the evaluation split as the queries. A pooled client that
    /// trains SimCLR over several tasks' images (arm cl+ssl) carries one probe per task instead.
    /// </summary>
    public IReadOnlyList<ProbeSet> Probes
    {
        get => _probes ?? [new ProbeSet(Task, Labeled, Evaluation)];
        init => _probes = value;
    }

    private readonly IReadOnlyList<ProbeSet>? _probes;
}

/// <summary>Labeled images of one task (<paramref name="Bank"/>) and images to classify by their neighbours there.</summary>
public sealed record ProbeSet(string Task, ImageDataset Bank, ImageDataset Queries);
