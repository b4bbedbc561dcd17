using FedActors.Core;
using FedActors.Data;
using FedActors.Data.Images;
using FedActors.Data.Loaders;
using FedActors.Data.Synthetic;

namespace FedActors.Hosting;

/// <summary>Every client's data, what loading it skipped, and how each group's images were dealt out.</summary>
public sealed record Federation(IReadOnlyList<ClientData> Clients, IReadOnlyList<LoadReport> Reports)
{
    /// <summary>Per group: its clients and how many images of each class each holds (before its labeled/unlabeled split).</summary>
    public IReadOnlyList<GroupLayout> Groups { get; init; } = [];
}

/// <summary>How one group's images were dealt out: per client (in id order) its image count per class.</summary>
public sealed record GroupLayout(string Group, string Task, string Partition, IReadOnlyList<string> ClientIds, IReadOnlyList<string> ClassNames, int[][] Counts);

/// <summary>Builds every client's local data (generation or loading, partitioning, labeled/unlabeled split) from the settings.</summary>
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
        var layouts = new List<GroupLayout>();
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
        foreach (var group in settings.Data.Groups)
        {
            var (members, report, layout) = FromGroup(settings, group, decoder, ct);
            clients.AddRange(members);
            if (report is not null) reports.Add(report);
            layouts.Add(layout);
        }
        var duplicate = clients.GroupBy(c => c.ClientId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"two clients have the id '{duplicate.Key}' (a group's natural owners may clash with another id)");
        return new Federation([.. clients.OrderBy(c => c.ClientId, StringComparer.Ordinal)], reports) { Groups = layouts };
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
        var source = LoadSource(settings, spec.Id, spec.Source, spec.Root, spec.ExtraUnlabeled, spec.Splits, decoder, ct);
        var pool = source.Pool;
        if (spec.Images > 0 && spec.Images < pool.Count)
        {
            var (subset, _) = Splits.Stratified(pool.Labels, (double)spec.Images / pool.Count, Seeds.Derive(settings.Seed, "subset", spec.Id));
            pool = pool.Subset(subset);
        }
        var client = Split(settings, spec.Id, spec.Task, pool, source.Extra, source.Test);
        return (client, LoadReport.Combine(spec.Id, source.Reports));
    }

    /// <summary>
    /// A group's clients: its source loaded (or generated) once, a stratified subset when <c>images</c> asks for one, the
    /// images dealt out by the partition, then each client's own labeled/unlabeled split. With <c>eval-split = test</c>
    /// every client of the group is scored on the whole test split.
    /// </summary>
    private static (List<ClientData> Clients, LoadReport? Report, GroupLayout Layout) FromGroup(
        RunSettings settings, GroupSpec group, ImageDecoder decoder, CancellationToken ct)
    {
        Source source;
        if (group.Source == "synthetic")
        {
            var images = group.Images > 0 ? group.Images : settings.Data.SyntheticImagesPerClient * group.Count;
            var pool = SyntheticTasks.Generate(settings.Synthetic, group.Task, images, Seeds.Derive(settings.Seed, "group-images", group.Group));
            var test = settings.Data.EvalSplit == "test"
                ? SyntheticTasks.Generate(settings.Synthetic, group.Task, settings.Data.SyntheticTestImages, Seeds.Derive(settings.Seed, "synthetic-test", group.Group))
                : null;
            source = new Source(pool, test, null, [], null);
        }
        else
        {
            source = LoadSource(settings, group.Group, group.Source, group.Root, group.ExtraUnlabeled, group.Splits, decoder, ct, group.Partition.OwnerColumn);
            if (group.Images > 0 && group.Images < source.Pool.Count)
            {
                var (subset, _) = Splits.Stratified(source.Pool.Labels, (double)group.Images / source.Pool.Count, Seeds.Derive(settings.Seed, "subset", group.Group));
                source = source with { Pool = source.Pool.Subset(subset), Owners = source.Owners is { } o ? [.. subset.Select(i => o[i])] : null };
            }
        }

        var (ids, parts) = Deal(settings, group, source);
        var extraParts = source.Extra is { } extra ? Partitioners.Iid(extra.Count, ids.Count, Seeds.Derive(settings.Seed, "group-extra", group.Group)) : null;
        var clients = new List<ClientData>(ids.Count);
        for (var k = 0; k < ids.Count; k++)
        {
            var pool = source.Pool.Subset(parts[k], ids[k]);
            clients.Add(Split(settings, ids[k], group.Task, pool, extraParts is null ? null : source.Extra!.Subset(extraParts[k]), source.Test));
        }
        var counts = parts.Select(part =>
        {
            var row = new int[source.Pool.NumClasses];
            foreach (var i in part) row[source.Pool.Labels[i]]++;
            return row;
        }).ToArray();
        var layout = new GroupLayout(group.Group, group.Task, group.Partition.Scheme, ids, source.Pool.ClassNames, counts);
        var report = source.Reports.Count == 0 ? null : LoadReport.Combine(group.Group, source.Reports);
        return (clients, report, layout);
    }

    /// <summary>The group's client ids and the pool indices each gets, by the group's partition.</summary>
    private static (IReadOnlyList<string> Ids, int[][] Parts) Deal(RunSettings settings, GroupSpec group, Source source)
    {
        var p = group.Partition;
        var labels = source.Pool.Labels;
        var seed = Seeds.Derive(settings.Seed, "partition", group.Group);
        int[][] parts;
        IReadOnlyList<string> ids;
        switch (p.Scheme)
        {
            case "natural":
            {
                var (owners, byOwner) = Partitioners.Natural(source.Owners ?? throw new InvalidOperationException($"group '{group.Group}': no owners were read"));
                ids = [.. owners.Select(o => group.Group + "-" + o)];
                parts = byOwner;
                break;
            }
            case "dirichlet":
                ids = group.ClientIds;
                parts = Partitioners.Dirichlet(labels, group.Count, p.Alpha, seed, p.MinImages);
                break;
            case "shards":
                ids = group.ClientIds;
                parts = Partitioners.Shards(labels, group.Count, p.ShardsPerClient, seed);
                break;
            case "quantity":
                ids = group.ClientIds;
                QuantitySkew skew = p.QuantitySkew == "powerlaw" ? new QuantitySkew.PowerLaw(p.Exponent) : new QuantitySkew.LogNormal(p.Sigma);
                parts = Partitioners.Quantity(labels.Length, group.Count, skew, seed, p.MinImages);
                break;
            default:
                ids = group.ClientIds;
                parts = Partitioners.Iid(labels.Length, group.Count, seed);
                break;
        }
        var small = parts.Select((part, k) => (part.Length, k)).Where(x => x.Length < p.MinImages).ToList();
        if (small.Count > 0)
        {
            throw new ArgumentException(
                $"group '{group.Group}': {small.Count} of its {ids.Count} clients get fewer than min-images = {p.MinImages} of its {labels.Length} images " +
                $"by the {p.Scheme} partition (e.g. {ids[small[0].k]}: {small[0].Length}); use fewer clients, more images or a lower min-images");
        }
        return (ids, parts);
    }

    /// <summary>A client's own labeled/unlabeled split of its pool, SimCLR's extra images, and where it is scored.</summary>
    private static ClientData Split(RunSettings settings, string id, string task, ImageDataset pool, ImageDataset? extra, ImageDataset? test)
    {
        var (labeled, unlabeled) = Splits.Stratified(pool.Labels, settings.Data.LabeledFraction, Seeds.Derive(settings.Seed, "split", id));
        var labeledSet = pool.Subset(labeled, $"{id}-labeled");
        var unlabeledSet = pool.Subset(unlabeled, $"{id}-unlabeled");
        // Extra unlabeled images only feed SimCLR; evaluation stays on images whose labels are known.
        var sslSet = extra is null ? unlabeledSet : ImageDataset.Concat($"{id}-unlabeled+extra", [Relabel(unlabeledSet), Relabel(extra)]);
        return new ClientData(id, task, labeledSet, sslSet, test ?? unlabeledSet);
    }

    /// <summary>A file source's images: the pool that is split, the held-out test split (eval-split = test), the extras.</summary>
    private sealed record Source(ImageDataset Pool, ImageDataset? Test, ImageDataset? Extra, IReadOnlyList<LoadReport> Reports, IReadOnlyList<string>? Owners);

    private static Source LoadSource(
        RunSettings settings, string who, string sourceName, string root, bool extraUnlabeled, IReadOnlyList<string> splits, ImageDecoder decoder,
        CancellationToken ct, string ownerColumn = "")
    {
        var options = new LoaderOptions(settings.Data.ImageSize, settings.Data.OnBadFile == "skip" ? OnBadFile.Skip : OnBadFile.Fail);
        var holdOut = settings.Data.EvalSplit == "test";
        ImageDataset pool;
        ImageDataset? test = null;
        ImageDataset? extra = null;
        IReadOnlyList<string>? owners = null;
        var parts = new List<LoadReport>();
        switch (sourceName)
        {
            case "flowers102":
            {
                var train = Flowers102Loader.Load(root, options, holdOut ? Flowers102Splits.Train | Flowers102Splits.Valid : Flowers102Splits.All, decoder, ct);
                parts.Add(train.Report);
                pool = train.Images;
                if (holdOut)
                {
                    var t = Flowers102Loader.Load(root, options, Flowers102Splits.Test, decoder, ct);
                    parts.Add(t.Report);
                    test = t.Images;
                }
                break;
            }
            case "intel-scene":
            {
                var intel = IntelSceneLoader.Load(root, options, extraUnlabeled, decoder, ct);
                parts.Add(intel.Report);
                pool = holdOut ? intel.Train.Images : ImageDataset.Concat(intel.Train.Images.Name, [intel.Train.Images, intel.Test.Images]);
                test = holdOut ? intel.Test.Images : null;
                extra = intel.Unlabeled?.Images;
                break;
            }
            case "image-folder":
            {
                if (holdOut) throw new ArgumentException($"'{who}': an image-folder source has no test split; use data.eval-split = unlabeled");
                var folder = ImageFolderLoader.Load(root, options, null, decoder, ct);
                parts.Add(folder.Report);
                pool = folder.Images;
                break;
            }
            case "labels-csv":
            {
                var wanted = splits.Count > 0 ? splits : null;
                if (holdOut && wanted is null)
                    throw new ArgumentException($"'{who}': with data.eval-split = test, list the training splits of the CSV in `splits`");
                var rows = LabelsCsvLoader.Load(root, options, wanted?.Where(s => !holdOut || s != "test").ToList(), null, decoder, ct,
                    ownerColumn.Length > 0 ? ownerColumn : null);
                parts.Add(rows.Report);
                pool = rows.Images;
                owners = rows.Owners;
                if (holdOut)
                {
                    var t = LabelsCsvLoader.Load(root, options, ["test"], pool.ClassNames.ToList(), decoder, ct);
                    parts.Add(t.Report);
                    test = t.Images;
                }
                break;
            }
            default:
                throw new ArgumentException($"'{who}': unknown source '{sourceName}'");
        }
        return new Source(pool, test, extra, parts, owners);
    }

    /// <summary>The one-line description of a process's clients that <c>run</c> and <c>node</c> print before training.</summary>
    public static string Describe(IReadOnlyList<ClientData> clients, TimeSpan loadTime, string device, int torchThreads)
    {
        ArgumentNullException.ThrowIfNull(clients);
        // Up to 8 clients one by one; more as a line per task.
        var detail = clients.Count <= 8
            ? string.Join(", ", clients.Select(c => $"{c.ClientId}: {c.Task}, {c.Labeled.Count} labeled / {c.Unlabeled.Count} unlabeled"))
            : string.Join(", ", clients.GroupBy(c => c.Task, StringComparer.Ordinal).Select(g =>
                $"task {g.Key}: {g.Count()} clients, {g.Sum(c => c.Labeled.Count)} labeled / {g.Sum(c => c.Unlabeled.Count)} unlabeled, " +
                $"{g.Min(c => c.Labeled.Count + c.Unlabeled.Count)}-{g.Max(c => c.Labeled.Count + c.Unlabeled.Count)} images per client"));
        return string.Format(
            System.Globalization.CultureInfo.InvariantCulture,
            "data: {0} clients ({1}) in {2:F1}s; device {3}, {4} torch threads",
            clients.Count,
            detail,
            loadTime.TotalSeconds,
            device,
            torchThreads);
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
