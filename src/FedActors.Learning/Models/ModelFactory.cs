using FedActors.Core;
using FedActors.Learning.Weights;
using static TorchSharp.torch;

namespace FedActors.Learning.Models;

/// <summary>Builds the global network's first weights.</summary>
public static class ModelFactory
{
    /// <summary>
    /// Fresh weights of the whole network: <c>backbone.*</c>, <c>projector.*</c> and one
    /// <c>heads.&lt;task&gt;.*</c> per task (tasks in ordinal order), BatchNorm buffers included.
    /// Deterministic for a seed: it seeds torch's global generator, then builds; call it on one thread,
    /// while no other thread draws from that generator.
    /// </summary>
    public static ModelWeights InitialGlobal(BackboneSpec spec, IReadOnlyDictionary<string, int> classesPerTask, long seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(classesPerTask);
        spec.Validate();
        random.manual_seed(seed);
        using var backbone = new ResNet(spec);
        using var projector = ProjectionHead.For(spec);
        var parts = new List<ModelWeights>
        {
            StateDict.Export(backbone, WeightNames.Backbone),
            StateDict.Export(projector, WeightNames.Projector),
        };
        foreach (var (task, classes) in classesPerTask.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            using var head = TaskHead.Create(backbone.FeatureDim, classes);
            parts.Add(StateDict.Export(head, WeightNames.Head(task)));
        }
        return new ModelWeights(parts.SelectMany(p => p));
    }
}
