namespace FedActors.Learning.Weights;

/// <summary>
/// How the parts of the network are named in the global <see cref="Core.ModelWeights"/>:
/// <c>backbone.&lt;torchvision key&gt;</c>, <c>projector.&lt;key&gt;</c>, <c>heads.&lt;task&gt;.weight|bias</c>, and with
/// <c>heads.backbone-scope = task</c> one fine-tuned backbone per task, <c>task-backbones.&lt;task&gt;.&lt;torchvision key&gt;</c>.
/// Heads (and task backbones) carry their task in the name, so FedAvg averages them only among clients of that task.
/// </summary>
public static class WeightNames
{
    public const string Backbone = "backbone";
    public const string Projector = "projector";
    public const string Heads = "heads";
    public const string TaskBackbones = "task-backbones";

    /// <summary>The prefix of task <paramref name="task"/>'s head: <c>heads.&lt;task&gt;</c>.</summary>
    public static string Head(string task)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        return $"{Heads}.{task}";
    }

    /// <summary>The prefix of task <paramref name="task"/>'s own backbone: <c>task-backbones.&lt;task&gt;</c>.</summary>
    public static string TaskBackbone(string task)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        return $"{TaskBackbones}.{task}";
    }

    /// <summary>True when <paramref name="name"/> lies under <paramref name="prefix"/> (<c>prefix.*</c>).</summary>
    public static bool IsUnder(string name, string prefix)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(prefix);
        return name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal) && name[prefix.Length] == '.';
    }

    public static string Join(string prefix, string key) => string.IsNullOrEmpty(prefix) ? key : $"{prefix}.{key}";
}
