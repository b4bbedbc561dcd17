using FedActors.Core;
using FedActors.Data;
using FedActors.Data.Images;
using FedActors.Data.Loaders;
using FedActors.Data.Synthetic;

namespace FedActors.Hosting;

/// <summary>Every client's data, and what loading it skipped.</summary>
public sealed record Federation(IReadOnlyList<ClientData> Clients, IReadOnlyList<LoadReport> Reports);

/// <summary>Builds every client's local data (generation or loading, labeled/unlabeled split) from the settings.</summary>
public static class FederationData
{
    public static Federation Build(RunSettings settings, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var decode = settings.Data.Decode;
        var decoder = new ImageDecoder(new DecoderOptions
        {
            MaxPixels = decode.MaxPixels,
            MaxDegreeOfParallelism = decode.Parallelism > 0 ? decode.Parallelism : Environment.ProcessorCount,
            DiskCacheDirectory = decode.DiskCache.Length > 0 ? decode.DiskCache : null,
        });
        var clients = new List<ClientData>();
        var reports = new List<LoadReport>();
        foreach (var spec in settings.Data.Clients.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            if (spec.Source == "synthetic")
            {
                clients.Add(Synthetic(settings, spec));
                continue;
            }
            var (client, report) = FromFiles(settings, spec, decoder, ct);
            clients.Add(client);
            reports.Add(report);
        }
        return new Federation(clients, reports);
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

    private static (ClientData Client, LoadReport Report) FromFiles(RunSettings settings, ClientSpec spec, ImageDecoder decoder, CancellationToken ct)
    {
        var options = new LoaderOptions(settings.Data.ImageSize, settings.Data.OnBadFile == "skip" ? OnBadFile.Skip : OnBadFile.Fail);
        var holdOut = settings.Data.EvalSplit == "test";
        ImageDataset pool;
        ImageDataset? test = null;
        ImageDataset? extra = null;
        var parts = new List<LoadReport>();
        switch (spec.Source)
        {
            case "flowers102":
            {
                var train = Flowers102Loader.Load(spec.Root, options, holdOut ? Flowers102Splits.Train | Flowers102Splits.Valid : Flowers102Splits.All, decoder, ct);
                parts.Add(train.Report);
                pool = train.Images;
                if (holdOut)
                {
                    var t = Flowers102Loader.Load(spec.Root, options, Flowers102Splits.Test, decoder, ct);
                    parts.Add(t.Report);
                    test = t.Images;
                }
                break;
            }
            case "intel-scene":
            {
                var intel = IntelSceneLoader.Load(spec.Root, options, spec.ExtraUnlabeled, decoder, ct);
                parts.Add(intel.Report);
                pool = holdOut ? intel.Train.Images : ImageDataset.Concat(intel.Train.Images.Name, [intel.Train.Images, intel.Test.Images]);
                test = holdOut ? intel.Test.Images : null;
                extra = intel.Unlabeled?.Images;
                break;
            }
            case "image-folder":
            {
                if (holdOut) throw new ArgumentException($"client '{spec.Id}': an image-folder source has no test split; use data.eval-split = unlabeled");
                var folder = ImageFolderLoader.Load(spec.Root, options, null, decoder, ct);
                parts.Add(folder.Report);
                pool = folder.Images;
                break;
            }
            case "labels-csv":
            {
                var wanted = spec.Splits.Count > 0 ? spec.Splits : null;
                if (holdOut && wanted is null)
                    throw new ArgumentException($"client '{spec.Id}': with data.eval-split = test, list the training splits of the CSV in `splits`");
                var rows = LabelsCsvLoader.Load(spec.Root, options, wanted?.Where(s => !holdOut || s != "test").ToList(), null, decoder, ct);
                parts.Add(rows.Report);
                pool = rows.Images;
                if (holdOut)
                {
                    var t = LabelsCsvLoader.Load(spec.Root, options, ["test"], pool.ClassNames.ToList(), decoder, ct);
                    parts.Add(t.Report);
                    test = t.Images;
                }
                break;
            }
            default:
                throw new ArgumentException($"client '{spec.Id}': unknown source '{spec.Source}'");
        }

        if (spec.Images > 0 && spec.Images < pool.Count)
        {
            var (subset, _) = Splits.Stratified(pool.Labels, (double)spec.Images / pool.Count, Seeds.Derive(settings.Seed, "subset", spec.Id));
            pool = pool.Subset(subset);
        }
        var (labeled, unlabeled) = Splits.Stratified(pool.Labels, settings.Data.LabeledFraction, Seeds.Derive(settings.Seed, "split", spec.Id));
        var labeledSet = pool.Subset(labeled, $"{spec.Id}-labeled");
        var unlabeledSet = pool.Subset(unlabeled, $"{spec.Id}-unlabeled");
        // Extra unlabeled images only feed SimCLR; evaluation stays on images whose labels are known.
        var sslSet = extra is null ? unlabeledSet : ImageDataset.Concat($"{spec.Id}-unlabeled+extra", [Relabel(unlabeledSet), Relabel(extra)]);
        var client = new ClientData(spec.Id, spec.Task, labeledSet, sslSet, test ?? unlabeledSet);
        return (client, LoadReport.Combine(spec.Id, parts));
    }

    /// <summary>Classes of each task, checked to agree across the task's clients.</summary>
    /// <summary>The one-line description of a process's clients that <c>run</c> and <c>node</c> print before training.</summary>
    public static string Describe(IReadOnlyList<ClientData> clients, TimeSpan loadTime, string device, int torchThreads)
    {
        ArgumentNullException.ThrowIfNull(clients);
        return string.Format(
            System.Globalization.CultureInfo.InvariantCulture,
            "data: {0} clients ({1}) in {2:F1}s; device {3}, {4} torch threads",
            clients.Count,
            string.Join(", ", clients.Select(c => $"{c.ClientId}: {c.Task}, {c.Labeled.Count} labeled / {c.Unlabeled.Count} unlabeled")),
            loadTime.TotalSeconds,
            device,
            torchThreads);
    }

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
        ImageDataset Pool(string part, Func<ClientData, ImageDataset> pick) =>
            members.Count == 1 ? pick(members[0]) : ImageDataset.Concat($"{id}-{part}", members.Select(pick).ToList());
        return new ClientData(
            id,
            task,
            Pool("labeled", m => m.Labeled),
            members.Count == 1 ? members[0].Unlabeled : ImageDataset.Concat($"{id}-unlabeled", members.Select(m => Relabel(m.Unlabeled)).ToList()),
            Pool("evaluation", m => m.Evaluation));
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
        // Its own labels are placeholders: the k-NN monitor measures the backbone on every task's pooled data instead.
        var probes = clients.Select(c => c.Task).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(task => PoolTask(task, clients))
            .Select(pool => new ProbeSet(pool.Task, pool.Labeled, pool.Evaluation))
            .ToList();
        return new ClientData("central", "all", pooled, pooled, pooled) { Probes = probes };
    }

    private static ImageDataset Relabel(ImageDataset d) =>
        d.NumClasses == 1 && d.ClassNames[0] == "unlabeled"
            ? d
            : new(d.Name, ["unlabeled"], d.Channels, d.Height, d.Width, d.Pixels, new int[d.Count]);
}
