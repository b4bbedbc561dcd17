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
}
