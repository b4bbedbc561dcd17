namespace FedActors.Core.Strategies;

/// <summary>
/// Which updates carry which tensor: the unit of every buffered strategy. A tensor is aggregated over the updates that
/// carry it, so a head named per task (<c>heads.&lt;task&gt;.*</c>) is aggregated among its task's clients only.
/// </summary>
public static class TensorCarriers
{
    /// <summary>One tensor with the indices (into the results) of the updates that carry it, ascending.</summary>
    public sealed record Carried(string Name, int[] Shape, int[] Updates);

    /// <summary>
    /// Every tensor some update carries, in the order of <paramref name="current"/> and then, for tensors it lacks, in
    /// the order the updates first carry them. Throws an <see cref="ArgumentException"/> naming the tensor when two
    /// updates carry it with different shapes.
    /// </summary>
    public static IReadOnlyList<Carried> Of(ModelWeights current, IReadOnlyList<ModelWeights> updates)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(updates);
        var byName = new Dictionary<string, (int[] Shape, List<int> Updates)>(StringComparer.Ordinal);
        var extra = new List<string>();
        for (var u = 0; u < updates.Count; u++)
        {
            foreach (var tensor in updates[u])
            {
                if (byName.TryGetValue(tensor.Name, out var entry))
                {
                    if (!entry.Shape.AsSpan().SequenceEqual(tensor.Shape))
                    {
                        throw new ArgumentException(
                            $"tensor '{tensor.Name}' has shape [{string.Join(",", tensor.Shape)}] in one update, [{string.Join(",", entry.Shape)}] in another",
                            nameof(updates));
                    }
                    entry.Updates.Add(u);
                }
                else
                {
                    byName[tensor.Name] = (tensor.Shape, [u]);
                    if (!current.Contains(tensor.Name)) extra.Add(tensor.Name);
                }
            }
        }
        return [.. current.Names.Concat(extra)
            .Where(byName.ContainsKey)
            .Select(name => new Carried(name, byName[name].Shape, [.. byName[name].Updates]))];
    }

    /// <summary>Tensors carried by exactly the same updates, and those updates (indices into the results, ascending).</summary>
    public sealed record Group(int[] Updates, IReadOnlyList<Carried> Tensors);

    /// <summary>
    /// <see cref="Of"/> grouped by the set of updates that carry them, groups in the order of their first tensor. Every
    /// update of a group carries every tensor of it, so distances between updates are taken within a group: over the
    /// tensors all of a round's updates share (the backbone), and separately over what only some share (a task's head
    /// among its task's clients; a task's own backbone copy). With no tensor common to all, each set of updates with
    /// identical tensors is its own group.
    /// </summary>
    public static IReadOnlyList<Group> Groups(ModelWeights current, IReadOnlyList<ModelWeights> updates)
    {
        var groups = new List<(int[] Updates, List<Carried> Tensors)>();
        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var tensor in Of(current, updates))
        {
            var key = string.Join(",", tensor.Updates);
            if (!byKey.TryGetValue(key, out var g))
            {
                byKey[key] = g = groups.Count;
                groups.Add((tensor.Updates, []));
            }
            groups[g].Tensors.Add(tensor);
        }
        return [.. groups.Select(g => new Group(g.Updates, g.Tensors))];
    }
}
