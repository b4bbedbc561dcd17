using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace FedActors.Learning.Models;

/// <summary>A task's linear classifier on the backbone's pooled features. Keys <c>weight</c>, <c>bias</c>.</summary>
public static class TaskHead
{
    public static Linear Create(int featureDim, int numClasses)
    {
        if (featureDim <= 0) throw new ArgumentOutOfRangeException(nameof(featureDim), featureDim, "feature size must be positive");
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "a task needs at least one class");
        return Linear(featureDim, numClasses);
    }
}
