using FedActors.Core;
using FedActors.Data;
using FedActors.Data.Synthetic;

namespace FedActors.Hosting;

/// <summary>Builds every client's local data (generation or loading, labeled/unlabeled split) from the settings.</summary>
public static class FederationData
{
    public static IReadOnlyList<ClientData> Build(RunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var data = settings.Data;
        return data.Clients
            .OrderBy(c => c.Id, StringComparer.Ordinal)
            .Select(c => Synthetic(settings, c))
            .ToList();
    }

    private static ClientData Synthetic(RunSettings settings, ClientSpec client)
    {
        var spec = settings.Synthetic;
        var count = client.Images > 0 ? client.Images : settings.Data.SyntheticImagesPerClient;
        var local = SyntheticTasks.Client(spec, client.Id, client.Task, count, settings.Data.LabeledFraction, settings.Seed);
        if (settings.Data.EvalSplit != "test") return local;
        var test = SyntheticTasks.Generate(
            spec, client.Task, settings.Data.SyntheticTestImages, Seeds.Derive(settings.Seed, "synthetic-test", client.Id));
        return local with { Evaluation = test };
    }

    /// <summary>Classes of each task, checked to agree across the task's clients.</summary>
    public static IReadOnlyDictionary<string, int> ClassesPerTask(IReadOnlyList<ClientData> clients)
    {
        var classes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in clients)
        {
            if (classes.TryGetValue(c.Task, out var n) && n != c.NumClasses)
                throw new ArgumentException($"clients of task '{c.Task}' disagree on the number of classes ({n} vs {c.NumClasses} at '{c.ClientId}')");
            classes[c.Task] = c.NumClasses;
        }
        return classes;
    }

    /// <summary>One task's clients pooled into one centralized client (the cl arms).</summary>
    public static ClientData PoolTask(string task, IReadOnlyList<ClientData> clients)
    {
        var members = clients.Where(c => c.Task == task).OrderBy(c => c.ClientId, StringComparer.Ordinal).ToList();
        if (members.Count == 0) throw new ArgumentException($"no client has task '{task}'");
        var id = $"central-{task}";
        return new ClientData(
            id,
            task,
            ImageDataset.Concat($"{id}-labeled", members.Select(m => m.Labeled).ToList()),
            ImageDataset.Concat($"{id}-unlabeled", members.Select(m => m.Unlabeled).ToList()),
            ImageDataset.Concat($"{id}-evaluation", members.Select(m => m.Evaluation).ToList()));
    }

    /// <summary>
    /// Every client's unlabeled split pooled for centralized SimCLR (arm cl+ssl). Label spaces differ
    /// across tasks, so the pooled set carries a single placeholder class; SimCLR never reads labels.
    /// </summary>
    public static ClientData PoolUnlabeled(IReadOnlyList<ClientData> clients)
    {
        var parts = clients.OrderBy(c => c.ClientId, StringComparer.Ordinal)
            .Select(c => Relabel(c.Unlabeled))
            .ToList();
        var pooled = ImageDataset.Concat("central-unlabeled", parts);
        return new ClientData("central", "all", pooled, pooled, pooled);
    }

    private static ImageDataset Relabel(ImageDataset d) =>
        new(d.Name, ["unlabeled"], d.Channels, d.Height, d.Width, d.Pixels, new int[d.Count]);
}
