namespace FedActors.Learning.Weights;

/// <summary>
/// How the parts of the network are named in the global <see cref="Core.ModelWeights"/>:
/// <c>backbone.&lt;torchvision key&gt;</c>, <c>projector.&lt;key&gt;</c>, <c>heads.&lt;task&gt;.weight|bias</c>.
/// Heads carry their task in the name, so FedAvg averages a head only among clients of that task.
/// </summary>
public static class WeightNames
{
    public const string Backbone = "backbone";
    public const string Projector = "projector";
    public const string Heads = "heads";

    /// <summary>The prefix of task <paramref name="task"/>'s head: <c>heads.&lt;task&gt;</c>.</summary>
    public static string Head(string task)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        return $"{Heads}.{task}";
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
