using FedActors.Core;
using FedActors.Learning.Interop;

namespace FedActors.Learning.Weights;

/// <summary>
/// The per-task backbones of <see cref="Training.BackboneScope.Task"/>: when the heads phase starts, every task that has
/// a head gets its own copy of the shared backbone (<c>task-backbones.&lt;task&gt;.*</c>), which its clients then
/// fine-tune and FedAvg averages among them only.
/// </summary>
public static class TaskBackbones
{
    /// <summary>
    /// <paramref name="global"/> with a copy of <c>backbone.*</c> under <c>task-backbones.&lt;task&gt;.*</c> for every task
    /// that has a head and no backbone of its own yet. The copies share the (immutable) arrays of the shared backbone.
    /// </summary>
    public static ModelWeights Add(ModelWeights global)
    {
        ArgumentNullException.ThrowIfNull(global);
        var backbone = global.Where(t => WeightNames.IsUnder(t.Name, WeightNames.Backbone)).ToList();
        var copies = PyTorchExport.Tasks(global)
            .Where(task => !global.Names.Any(n => WeightNames.IsUnder(n, WeightNames.TaskBackbone(task))))
            .SelectMany(task => backbone.Select(t => new NamedTensor(
                WeightNames.TaskBackbone(task) + t.Name[WeightNames.Backbone.Length..], t.Shape, t.Data)))
            .ToList();
        return copies.Count == 0 ? global : global.With(new ModelWeights(copies));
    }
}
