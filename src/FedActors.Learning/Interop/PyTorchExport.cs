using FedActors.Core;
using FedActors.Learning.Weights;

namespace FedActors.Learning.Interop;

/// <summary>
/// Parts of FedActors' global weights as PyTorch state dicts with torchvision's keys.
/// <list type="bullet">
/// <item>Backbone: <c>backbone.</c> stripped, so the keys are torchvision's ResNet keys without <c>fc</c>.
/// torchvision's <c>resnetXX()</c> loads it with <c>strict=False</c> (only <c>fc.weight</c>, <c>fc.bias</c>
/// are reported missing), or with <c>strict=True</c> after <c>model.fc = torch.nn.Identity()</c>.</item>
/// <item>Backbone with a task's head as <c>fc</c>: <c>torchvision.models.resnetXX(num_classes=C)</c> loads it
/// with <c>strict=True</c> (width 1, ImageNet stem, standard blocks: see <see cref="TorchvisionModel"/>).</item>
/// <item>Heads: <c>&lt;task&gt;.weight|bias</c>, the state dict of
/// <c>torch.nn.ModuleDict({task: torch.nn.Linear(features, classes)})</c>.</item>
/// <item>Projector: <c>linear1.*</c>, <c>bn1.*</c>, <c>linear2.*</c> of FedActors' SimCLR head.</item>
/// </list>
/// </summary>
public static class PyTorchExport
{
    /// <summary>torchvision's name for a ResNet's classifier.</summary>
    public const string Classifier = "fc";

    /// <summary>The tasks that have a head in <paramref name="global"/>, in order.</summary>
    public static IReadOnlyList<string> Tasks(ModelWeights global)
    {
        ArgumentNullException.ThrowIfNull(global);
        return global.Names
            .Where(n => WeightNames.IsUnder(n, WeightNames.Heads))
            .Select(n => n[(WeightNames.Heads.Length + 1)..])
            .Select(rest => rest[..Math.Max(0, rest.LastIndexOf('.'))])
            .Where(task => task.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The backbone's torchvision state dict; with <paramref name="headTask"/>, that task's head appended as
    /// <c>fc.weight</c>, <c>fc.bias</c>, on the task's own backbone when it has one (<c>task-backbones.&lt;task&gt;.*</c>).
    /// </summary>
    /// <exception cref="ArgumentException">No backbone in the weights, or no head for the task.</exception>
    public static ModelWeights Backbone(ModelWeights global, string? headTask = null)
    {
        // A task that fine-tuned a backbone of its own (heads.backbone-scope = task) is exported with that one.
        var own = headTask is null ? ModelWeights.Empty : Strip(global, WeightNames.TaskBackbone(headTask));
        var backbone = own.Count > 0 ? own : Strip(global, WeightNames.Backbone);
        if (backbone.Count == 0) throw new ArgumentException("the weights hold no backbone (no 'backbone.*' tensors)");
        if (backbone.Names.Any(n => WeightNames.IsUnder(n, Classifier)))
            throw new ArgumentException("the backbone already has an 'fc' classifier");
        if (headTask is null) return backbone;
        var head = Strip(global, WeightNames.Head(headTask));
        if (!head.Contains("weight") || !head.Contains("bias") || head.Count != 2)
        {
            var tasks = Tasks(global);
            throw new ArgumentException(
                $"no head for task '{headTask}' (heads: {(tasks.Count == 0 ? "none" : string.Join(", ", tasks))})");
        }
        return new ModelWeights(backbone.Concat([Rename(head["weight"], Classifier + ".weight"), Rename(head["bias"], Classifier + ".bias")]));
    }

    /// <summary>Every task head, keyed <c>&lt;task&gt;.weight|bias</c>; empty when there are none.</summary>
    public static ModelWeights Heads(ModelWeights global) => Strip(global, WeightNames.Heads);

    /// <summary>The SimCLR projection head, keyed as <see cref="Models.ProjectionHead"/>; empty when absent.</summary>
    public static ModelWeights Projector(ModelWeights global) => Strip(global, WeightNames.Projector);

    private static ModelWeights Strip(ModelWeights global, string prefix)
    {
        ArgumentNullException.ThrowIfNull(global);
        return new ModelWeights(global
            .Where(t => WeightNames.IsUnder(t.Name, prefix))
            .Select(t => Rename(t, t.Name[(prefix.Length + 1)..])));
    }

    private static NamedTensor Rename(NamedTensor t, string name) => new(name, t.Shape, t.Data);
}
