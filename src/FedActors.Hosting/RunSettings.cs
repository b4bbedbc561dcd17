using Akka.Configuration;
using FedActors.Data.Synthetic;
using FedActors.Engine;
using FedActors.Hosting.Configuration;
using FedActors.Learning.Augmentation;
using FedActors.Learning.Models;
using FedActors.Learning.Training;

namespace FedActors.Hosting;

/// <summary>One entry of <c>fedactors.data.clients</c>; <see cref="Root"/> is resolved against data.roots.</summary>
public sealed record ClientSpec(
    string Id,
    string Task,
    string Source,
    string Root,
    int Images,
    bool ExtraUnlabeled,
    IReadOnlyList<string> Splits);

/// <summary>How a group's images are dealt to its clients (<c>groups-template.partition</c> and its parameters).</summary>
public sealed record PartitionSpec(
    string Scheme, double Alpha, int ShardsPerClient, string QuantitySkew, double Sigma, double Exponent, string OwnerColumn, int MinImages)
{
    public static readonly IReadOnlyList<string> Schemes = ["iid", "dirichlet", "shards", "quantity", "natural"];
}

/// <summary>How a group's simulated devices are drawn (<c>groups-template.device</c>).</summary>
public sealed record DeviceSpec(string Profile, double Speed, double BandwidthMbps, double Sigma, IReadOnlyList<FedActors.Data.Devices.DeviceTier> Tiers, string Trace)
{
    public static readonly IReadOnlyList<string> Profiles = ["fixed", "lognormal", "tiers", "trace"];

    public static DeviceSpec Reference { get; } = new("fixed", 1, 100, 0, [], "");
}

/// <summary>
/// One entry of <c>fedactors.data.groups</c>: <see cref="Count"/> clients of one task over one dataset, ids
/// <c>&lt;group&gt;-000</c>...
/// </summary>
public sealed record GroupSpec(
    string Group,
    int Count,
    string Task,
    string Source,
    string Root,
    int Images,
    bool ExtraUnlabeled,
    IReadOnlyList<string> Splits,
    PartitionSpec Partition,
    DeviceSpec Device,
    double Availability,
    string AvailabilityTrace)
{
    /// <summary>The ids of its clients (not for a natural partition, whose ids come from the data).</summary>
    public IReadOnlyList<string> ClientIds =>
        Partition.Scheme == "natural" ? [] : [.. Enumerable.Range(0, Count).Select(ClientId)];

    /// <summary><c>&lt;group&gt;-&lt;index&gt;</c>, the index zero-padded to 3 digits (more for groups of over 1,000).</summary>
    public string ClientId(int index)
    {
        var digits = Math.Max(3, (Count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        return Group + "-" + index.ToString("D" + digits, System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>A <c>fedactors.simulation.targets</c> entry: the Acc@1 a task's clients should reach on average.</summary>
public sealed record AccuracyTarget(string Task, double Acc1);

/// <summary><c>fedactors.simulation</c>: the simulated clock.</summary>
public sealed record SimulationSettings(bool Clock, double SecondsPerExample, TimeSpan Deadline, IReadOnlyList<AccuracyTarget> Targets)
{
    public static SimulationSettings Off { get; } = new(false, 0.01, TimeSpan.Zero, []);
}

/// <summary><c>fedactors.data.decode</c>.</summary>
public sealed record DecodeSettings(long MaxPixels, int Parallelism, string DiskCache);

/// <summary><c>fedactors.data</c>.</summary>
public sealed record DataSettings(
    int ImageSize,
    double LabeledFraction,
    string EvalSplit,
    string OnBadFile,
    IReadOnlyList<ClientSpec> Clients,
    IReadOnlyList<GroupSpec> Groups,
    int SyntheticImagesPerClient,
    int SyntheticTestImages,
    double SyntheticShapeHueSpread,
    DecodeSettings Decode);

/// <summary><c>fedactors.data</c>'s clients as a coordinator expects them: id and task of each plain client and each client
/// of a group (a natural partition's clients are known only once its data is read).</summary>
public static class ExpectedClients
{
    public static IReadOnlyList<(string Id, string Task)> Of(DataSettings data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return [.. data.Clients.Select(c => (c.Id, c.Task)).Concat(data.Groups.SelectMany(g => g.ClientIds.Select(id => (id, g.Task))))];
    }
}

/// <summary>Rounds of each phase (<c>fedactors.{simclr,heads,supervised}.rounds</c>).</summary>
public sealed record RoundBudget(int SimClr, int Heads, int Supervised)
{
    /// <summary>SimCLR rounds between two k-NN measurements (<c>fedactors.simclr.knn.every</c>); 0 = none.</summary>
    public int KnnEvery { get; init; }

    /// <summary>Whether the heads phase fine-tunes one shared backbone or one per task (<c>fedactors.heads.backbone-scope</c>).</summary>
    public BackboneScope BackboneScope { get; init; }
}

/// <summary>Everything a run needs, read once from the merged configuration.</summary>
public sealed record RunSettings(
    long Seed,
    string Device,
    int TorchThreads,
    IReadOnlyList<string> Arms,
    string BaselineArm,
    string OutputDir,
    DataSettings Data,
    BackboneSpec Model,
    LearningSettings Learning,
    RoundBudget Rounds,
    EngineSettings Engine,
    FaultSettings Faults)
{
    /// <summary><c>fedactors.model.init-from</c>: a PyTorch backbone to start from, or empty.</summary>
    public string InitFrom { get; init; } = "";

    /// <summary><c>fedactors.cudnn-benchmark</c>: cuDNN autotuning on (see <c>TorchRuntime.CudnnBenchmark</c>).</summary>
    public bool CudnnBenchmark { get; init; } = true;

    /// <summary><c>fedactors.strategy</c>: how the federated arms aggregate.</summary>
    public FedActors.Core.Strategies.StrategySpec Strategy { get; init; } = new("fedavg", new Dictionary<string, double>());

    /// <summary><c>fedactors.heads-strategy</c>: the heads phase's own strategy, or null for <see cref="Strategy"/>.</summary>
    public FedActors.Core.Strategies.StrategySpec? HeadsStrategy { get; init; }

    /// <summary>
    /// A fresh strategy for one stage of a federated arm: <see cref="Strategy"/> in every phase, the heads phase's own when
    /// set. Fresh per stage, so server state (a server optimiser's moments) starts anew with each experiment.
    /// </summary>
    public FedActors.Core.Strategies.PhaseStrategies NewStrategy() => new(
        FedActors.Core.Strategies.StrategyFactory.Create(Strategy),
        HeadsStrategy is null
            ? null
            : new Dictionary<string, FedActors.Core.Strategies.IStrategy> { [FedActors.Core.Phases.Heads] = FedActors.Core.Strategies.StrategyFactory.Create(HeadsStrategy) });

    /// <summary><c>fedactors.output.tensorboard</c>: also write TensorBoard event files.</summary>
    public bool TensorBoard { get; init; }

    /// <summary><c>fedactors.simulation</c>: the simulated clock and the accuracy targets.</summary>
    public SimulationSettings Simulation { get; init; } = SimulationSettings.Off;

    private const string Root = "fedactors";

    public static RunSettings Create(LoadedConfig loaded)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        var r = new ConfigReader(loaded);

        var arms = r.StringList($"{Root}.arms");
        if (arms.Count == 0) throw r.Invalid($"{Root}.arms", "[]", "must name at least one arm");
        foreach (var arm in arms)
        {
            if (!FedActors.Hosting.Arms.All.Contains(arm, StringComparer.Ordinal))
                throw r.Invalid($"{Root}.arms", arm, $"is not an arm: expected {string.Join(", ", FedActors.Hosting.Arms.All)}");
        }
        if (arms.Distinct(StringComparer.Ordinal).Count() != arms.Count)
            throw r.Invalid($"{Root}.arms", string.Join(",", arms), "names an arm twice");
        var baseline = r.String($"{Root}.baseline-arm");

        var device = r.String($"{Root}.device");
        if (!device.Split(',').All(d => System.Text.RegularExpressions.Regex.IsMatch(d.Trim(), "^(auto|cpu|cuda(:[0-9]+)?)$")))
            throw r.Invalid($"{Root}.device", device, "must be auto, cpu, cuda or cuda:N, or a comma-separated list of them");

        var settings = new RunSettings(
            Seed: r.Long($"{Root}.seed"),
            Device: device,
            TorchThreads: r.Int($"{Root}.torch-threads", 0, 1024),
            Arms: arms,
            BaselineArm: baseline,
            OutputDir: r.String($"{Root}.output.dir"),
            Data: ReadData(r),
            Model: ReadModel(r),
            Learning: ReadLearning(r),
            Rounds: new RoundBudget(
                r.Int($"{Root}.simclr.rounds", 0, 100_000),
                r.Int($"{Root}.heads.rounds", 0, 100_000),
                r.Int($"{Root}.supervised.rounds", 0, 100_000)) 
            {
                KnnEvery = r.Int($"{Root}.simclr.knn.every", 0, 100_000),
                BackboneScope = r.Build($"{Root}.heads.backbone-scope", () => LearningSettings.ParseBackboneScope(r.String($"{Root}.heads.backbone-scope"))),
            },
            Engine: r.Build($"{Root}.engine", () => EngineSettings.Create(r.Config.GetConfig($"{Root}.engine"))),
            Faults: r.Build($"{Root}.faults", () => FaultSettings.Create(r.Config.GetConfig($"{Root}.faults"), Directory.GetCurrentDirectory())));
        settings = settings with
        {
            InitFrom = r.String($"{Root}.model.init-from"),
            CudnnBenchmark = r.Bool($"{Root}.cudnn-benchmark"),
            Simulation = ReadSimulation(r),
            TensorBoard = r.Bool($"{Root}.output.tensorboard"),
            Strategy = ReadStrategy(r, "strategy") ?? throw r.Invalid($"{Root}.strategy.name", "", "must name a strategy"),
            HeadsStrategy = ReadStrategy(r, "heads-strategy"),
        };
        if (settings.InitFrom.Length > 0 && !File.Exists(settings.InitFrom))
            throw r.Invalid($"{Root}.model.init-from", settings.InitFrom, "is not a file");
        foreach (var target in settings.Simulation.Targets)
        {
            var tasks = settings.Data.Clients.Select(c => c.Task).Concat(settings.Data.Groups.Select(g => g.Task));
            if (!tasks.Contains(target.Task, StringComparer.Ordinal))
                throw r.Invalid($"{Root}.simulation.targets", target.Task, "names a task that no client or group has");
        }
        // Clients of natural partitions are known only once their data is read; they are checked then.
        var unknown = settings.Faults.UnknownClients(ExpectedClients.Of(settings.Data).Select(c => c.Id))
            .Where(id => !settings.Data.Groups.Any(g => g.Partition.Scheme == "natural" && id.StartsWith(g.Group + "-", StringComparison.Ordinal)))
            .ToList();
        if (unknown.Count > 0)
            throw r.Invalid($"{Root}.faults", string.Join(", ", unknown), "names clients that are not in fedactors.data.clients");
        return settings;
    }

    /// <summary>
    /// Checks <c>fedactors.memory-format</c> against the devices it will meet, before any training: channels-last is
    /// refused on the CPU for networks that crash oneDNN there (<see cref="MemoryFormats.CpuChannelsLastMaxChannels"/>).
    /// </summary>
    public void CheckMemoryFormat(FedActors.Learning.DevicePlan devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        foreach (var device in devices.Devices)
        {
            try
            {
                Learning.MemoryFormat.EnsureSafe(Model, device);
            }
            catch (ArgumentException ex)
            {
                throw new ConfigException($"key '{Root}.memory-format' = '{Learning.MemoryFormat.Name()}' on device {device}: {ex.Message}", ex);
            }
        }
    }

    /// <summary>The synthetic generator's settings at this run's image size.</summary>
    public SyntheticSpec Synthetic => new() { ImageSize = Data.ImageSize, ShapeHueSpread = Data.SyntheticShapeHueSpread };

    /// <summary>The values of <c>data.clients[].source</c>.</summary>
    public static readonly IReadOnlyList<string> Sources = ["synthetic", "flowers102", "intel-scene", "image-folder", "labels-csv"];

    private static DataSettings ReadData(ConfigReader r)
    {
        const string d = Root + ".data";
        var template = r.Config.GetConfig($"{d}.clients-template");
        var clientsValue = r.Config.GetValue($"{d}.clients");
        var items = clientsValue is null ? [] : ValueKinds.Items(clientsValue);
        var groups = ReadGroups(r);
        if (items.Count == 0 && groups.Count == 0) throw r.Invalid($"{d}.clients", "[]", "must list at least one client (or data.groups one group)");
        var clients = new List<ClientSpec>();
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{d}.clients[{i}]";
            var entry = items[i].ToConfig().WithFallback(template);
            var source = entry.GetString("source");
            var root = entry.GetString("root") ?? "";
            if (root.Length == 0 && source != "synthetic" && r.Config.HasPath($"{d}.roots.{source}"))
                root = r.Config.GetString($"{d}.roots.{source}") ?? "";
            var spec = new ClientSpec(
                entry.GetString("id"),
                entry.GetString("task"),
                source,
                root,
                entry.GetInt("images"),
                entry.GetBoolean("extra-unlabeled"),
                entry.GetStringList("splits").ToList());
            if (string.IsNullOrWhiteSpace(spec.Id) || spec.Id.Any(c => char.IsWhiteSpace(c) || c is ',' or '"' or '/'))
                throw r.Invalid($"{path}.id", spec.Id, "must be a non-empty name without spaces, commas, quotes or slashes");
            if (clients.Any(c => c.Id == spec.Id)) throw r.Invalid($"{path}.id", spec.Id, "is used by another client");
            if (!Sources.Contains(spec.Source))
                throw r.Invalid($"{path}.source", spec.Source, $"must be one of {string.Join(", ", Sources)}");
            if (spec.Source == "synthetic" && !SyntheticTasks.Names.Contains(spec.Task))
                throw r.Invalid($"{path}.task", spec.Task, $"must be one of {string.Join(", ", SyntheticTasks.Names)} for a synthetic source");
            if (string.IsNullOrWhiteSpace(spec.Task) || spec.Task.Any(c => char.IsWhiteSpace(c) || c is ',' or '"'))
                throw r.Invalid($"{path}.task", spec.Task, "must be a non-empty name without spaces, commas or quotes");
            if (spec.Source != "synthetic" && spec.Root.Length == 0)
                throw r.Invalid($"{path}.root", "", $"is empty and so is {d}.roots.{spec.Source}: say where the {spec.Source} data is (e.g. --set {d}.roots.{spec.Source}=/path)");
            if (spec.Images < 0) throw r.Invalid($"{path}.images", spec.Images.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 0 or more");
            clients.Add(spec);
        }
        var ids = clients.Select(c => (c.Id, Where: "a client")).Concat(groups.SelectMany(g => g.ClientIds.Select(id => (id, Where: $"group '{g.Group}'"))));
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, where) in ids)
        {
            if (!seen.TryAdd(id, where))
                throw r.Invalid($"{d}.groups", id, $"is the id of {where} and of {seen[id]}: client ids must be unique");
        }
        return new DataSettings(
            ImageSize: r.Int($"{d}.image-size", 8, 4096),
            LabeledFraction: r.Double($"{d}.labeled-fraction", 0.0001, 0.9999),
            EvalSplit: r.OneOf($"{d}.eval-split", "unlabeled", "test"),
            OnBadFile: r.OneOf($"{d}.on-bad-file", "fail", "skip"),
            Clients: clients,
            Groups: groups,
            SyntheticImagesPerClient: r.Int($"{d}.synthetic.images-per-client", 1, 10_000_000),
            SyntheticTestImages: r.Int($"{d}.synthetic.test-images", 1, 10_000_000),
            SyntheticShapeHueSpread: r.Double($"{d}.synthetic.shape-hue-spread", 0, 1),
            Decode: new DecodeSettings(
                r.Long($"{d}.decode.max-pixels"),
                r.Int($"{d}.decode.parallelism", 0, 1024),
                r.String($"{d}.decode.disk-cache")));
    }

    private static List<GroupSpec> ReadGroups(ConfigReader r)
    {
        const string d = Root + ".data";
        var template = r.Config.GetConfig($"{d}.groups-template");
        var value = r.Config.GetValue($"{d}.groups");
        var items = value is null ? [] : ValueKinds.Items(value);
        var groups = new List<GroupSpec>();
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{d}.groups[{i}]";
            var entry = items[i].ToConfig().WithFallback(template);
            string Text(string key) => entry.GetString(key) ?? "";
            var source = Text("source");
            var root = Text("root");
            if (root.Length == 0 && source != "synthetic" && r.Config.HasPath($"{d}.roots.{source}"))
                root = r.Config.GetString($"{d}.roots.{source}") ?? "";
            var device = entry.GetConfig("device");
            var tierTemplate = template.GetConfig("device.tiers-template");
            var tiers = ValueKinds.Items(device.GetValue("tiers")).Select(t => t.ToConfig().WithFallback(tierTemplate))
                .Select(t => new FedActors.Data.Devices.DeviceTier(
                    t.GetDouble("share"), t.GetDouble("speed"), FedActors.Data.Devices.DeviceProfile.MbitPerSecond(t.GetDouble("bandwidth-mbps"))))
                .ToList();
            var spec = new GroupSpec(
                Text("group"),
                entry.GetInt("count"),
                Text("task"),
                source,
                root,
                entry.GetInt("images"),
                entry.GetBoolean("extra-unlabeled"),
                entry.GetStringList("splits").ToList(),
                new PartitionSpec(
                    Text("partition"), entry.GetDouble("alpha"), entry.GetInt("shards-per-client"), Text("quantity-skew"),
                    entry.GetDouble("sigma"), entry.GetDouble("exponent"), Text("owner-column"), entry.GetInt("min-images")),
                new DeviceSpec(device.GetString("profile") ?? "", device.GetDouble("speed"), device.GetDouble("bandwidth-mbps"),
                    device.GetDouble("sigma"), tiers, device.GetString("trace") ?? ""),
                entry.GetDouble("availability"),
                Text("availability-trace"));
            string Show(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (string.IsNullOrWhiteSpace(spec.Group) || spec.Group.Any(c => char.IsWhiteSpace(c) || c is ',' or '"' or '/'))
                throw r.Invalid($"{path}.group", spec.Group, "must be a non-empty name without spaces, commas, quotes or slashes");
            if (groups.Any(g => g.Group == spec.Group)) throw r.Invalid($"{path}.group", spec.Group, "is used by another group");
            if (spec.Count < 1 && spec.Partition.Scheme != "natural") throw r.Invalid($"{path}.count", spec.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be at least 1");
            if (string.IsNullOrWhiteSpace(spec.Task) || spec.Task.Any(c => char.IsWhiteSpace(c) || c is ',' or '"' or '.'))
                throw r.Invalid($"{path}.task", spec.Task, "must be a non-empty name without spaces, commas, quotes or dots");
            if (!Sources.Contains(spec.Source)) throw r.Invalid($"{path}.source", spec.Source, $"must be one of {string.Join(", ", Sources)}");
            if (spec.Source == "synthetic" && !SyntheticTasks.Names.Contains(spec.Task))
                throw r.Invalid($"{path}.task", spec.Task, $"must be one of {string.Join(", ", SyntheticTasks.Names)} for a synthetic source");
            if (spec.Source != "synthetic" && spec.Root.Length == 0)
                throw r.Invalid($"{path}.root", "", $"is empty and so is {d}.roots.{spec.Source}: say where the {spec.Source} data is");
            if (spec.Images < 0) throw r.Invalid($"{path}.images", spec.Images.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 0 or more");
            var p = spec.Partition;
            if (!PartitionSpec.Schemes.Contains(p.Scheme)) throw r.Invalid($"{path}.partition", p.Scheme, $"must be one of {string.Join(", ", PartitionSpec.Schemes)}");
            if (!(p.Alpha > 0) || double.IsInfinity(p.Alpha)) throw r.Invalid($"{path}.alpha", Show(p.Alpha), "must be positive");
            if (p.ShardsPerClient < 1) throw r.Invalid($"{path}.shards-per-client", Show(p.ShardsPerClient), "must be at least 1");
            if (p.QuantitySkew is not ("lognormal" or "powerlaw")) throw r.Invalid($"{path}.quantity-skew", p.QuantitySkew, "must be lognormal or powerlaw");
            if (!(p.Sigma >= 0) || double.IsInfinity(p.Sigma)) throw r.Invalid($"{path}.sigma", Show(p.Sigma), "must be 0 or more");
            if (!(p.Exponent > 0) || double.IsInfinity(p.Exponent)) throw r.Invalid($"{path}.exponent", Show(p.Exponent), "must be positive");
            if (p.Scheme == "natural" && (spec.Source != "labels-csv" || p.OwnerColumn.Length == 0))
                throw r.Invalid($"{path}.partition", p.Scheme, "needs a labels-csv source and owner-column naming the CSV column of each image's owner");
            if (p.MinImages < 0) throw r.Invalid($"{path}.min-images", Show(p.MinImages), "must be 0 or more");
            var dv = spec.Device;
            if (!DeviceSpec.Profiles.Contains(dv.Profile)) throw r.Invalid($"{path}.device.profile", dv.Profile, $"must be one of {string.Join(", ", DeviceSpec.Profiles)}");
            if (!(dv.Speed > 0) || !(dv.BandwidthMbps > 0)) throw r.Invalid($"{path}.device", $"speed {Show(dv.Speed)}, bandwidth-mbps {Show(dv.BandwidthMbps)}", "must be positive");
            if (!(dv.Sigma >= 0)) throw r.Invalid($"{path}.device.sigma", Show(dv.Sigma), "must be 0 or more");
            if (dv.Profile == "tiers" && dv.Tiers.Count == 0) throw r.Invalid($"{path}.device.tiers", "[]", "must list at least one tier for profile = tiers");
            if (dv.Tiers.Any(t => !(t.Share > 0) || !(t.Speed > 0) || !(t.BytesPerSecond > 0)))
                throw r.Invalid($"{path}.device.tiers", "", "every tier needs a positive share, speed and bandwidth-mbps");
            if (dv.Profile == "trace" && !File.Exists(dv.Trace)) throw r.Invalid($"{path}.device.trace", dv.Trace, "is not a file (a FedScale device trace, JSON)");
            if (!(spec.Availability is >= 0 and <= 1)) throw r.Invalid($"{path}.availability", Show(spec.Availability), "must be in [0, 1]");
            if (spec.AvailabilityTrace.Length > 0 && !File.Exists(spec.AvailabilityTrace))
                throw r.Invalid($"{path}.availability-trace", spec.AvailabilityTrace, "is not a file (a FedScale availability trace, JSON)");
            groups.Add(spec);
        }
        return groups;
    }

    /// <summary>
    /// A strategy section: its name and the parameters set (non-empty), checked by building the strategy once; null when
    /// the name is empty.
    /// </summary>
    private static FedActors.Core.Strategies.StrategySpec? ReadStrategy(ConfigReader r, string section)
    {
        var path = $"{Root}.{section}";
        var name = r.String($"{path}.name");
        var parameters = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in r.Config.GetConfig(path).Root.GetObject().Items)
        {
            if (key == "name") continue;
            var text = value.GetString() ?? "";
            if (text.Length == 0) continue;
            if (name.Length == 0) throw r.Invalid($"{path}.{key}", text, $"is set but {path}.name is empty");
            parameters[key] = r.Double($"{path}.{key}");
        }
        if (name.Length == 0) return null;
        var spec = new FedActors.Core.Strategies.StrategySpec(name, parameters);
        r.Build(path, () => FedActors.Core.Strategies.StrategyFactory.Create(spec));
        return spec;
    }

    private static SimulationSettings ReadSimulation(ConfigReader r)
    {
        const string s = Root + ".simulation";
        var template = r.Config.GetConfig($"{s}.targets-template");
        var targets = ValueKinds.Items(r.Config.GetValue($"{s}.targets"))
            .Select(t => t.ToConfig().WithFallback(template))
            .Select(t => new AccuracyTarget(t.GetString("task") ?? "", t.GetDouble("acc1")))
            .ToList();
        if (targets.Any(t => !(t.Acc1 is >= 0 and <= 1))) throw r.Invalid($"{s}.targets", "", "every acc1 must be in [0, 1]");
        var deadline = r.Build($"{s}.deadline", () => r.Config.GetTimeSpan($"{s}.deadline", null, allowInfinite: false));
        if (deadline < TimeSpan.Zero) throw r.Invalid($"{s}.deadline", deadline.ToString(), "must be 0s or more");
        return new SimulationSettings(
            r.Bool($"{s}.clock"),
            r.Double($"{s}.seconds-per-example", 0, 1e6),
            deadline,
            targets);
    }

    private static BackboneSpec ReadModel(ConfigReader r)
    {
        const string m = Root + ".model";
        var arch = r.OneOf($"{m}.arch", "resnet18", "resnet34", "resnet50") switch
        {
            "resnet34" => ResNetArchitecture.ResNet34,
            "resnet50" => ResNetArchitecture.ResNet50,
            _ => ResNetArchitecture.ResNet18,
        };
        var stem = r.OneOf($"{m}.stem", "imagenet", "small", "small-strided") switch
        {
            "imagenet" => StemKind.ImageNet,
            "small" => StemKind.Small,
            _ => StemKind.SmallStrided,
        };
        var blocks = r.IntList($"{m}.blocks");
        if (blocks.Count != 0 && (blocks.Count != 4 || blocks.Any(b => b < 1)))
            throw r.Invalid($"{m}.blocks", string.Join(",", blocks), "must be empty or four positive block counts");
        return new BackboneSpec
        {
            Architecture = arch,
            Stem = stem,
            Width = r.Double($"{m}.width", 0.01, 16),
            Blocks = blocks.Count == 0 ? null : blocks,
            ProjectionHiddenDim = r.Int($"{m}.projector-hidden", 1, 1 << 16),
            ProjectionDim = r.Int($"{m}.projector-dim", 1, 1 << 16),
        };
    }

    private static LearningSettings ReadLearning(ConfigReader r)
    {
        var settings = new LearningSettings
        {
            SimClr = ReadPhase(r, "simclr"),
            Heads = ReadPhase(r, "heads"),
            Supervised = ReadPhase(r, "supervised"),
            Temperature = r.Double($"{Root}.simclr.temperature", 1e-6, 1e6),
            Knn = new KnnSettings
            {
                Every = r.Int($"{Root}.simclr.knn.every", 0, 100_000),
                K = r.Int($"{Root}.simclr.knn.k", 1, 100_000),
                Temperature = r.Double($"{Root}.simclr.knn.temperature", 1e-6, 1e6),
            },
            SimClrAugment = ReadAugment(r, "simclr"),
            SupervisedAugment = ReadAugment(r, "supervised"),
            SimClrAugmentByTask = ReadAugmentByTask(r, "simclr"),
            SupervisedAugmentByTask = ReadAugmentByTask(r, "supervised"),
            HeadBackboneRateScale = r.Double($"{Root}.heads.backbone-lr-scale", 0, 1e6),
            HeadBackboneScope = r.Build($"{Root}.heads.backbone-scope", () => LearningSettings.ParseBackboneScope(r.String($"{Root}.heads.backbone-scope"))),
            HeadDecayTarget = r.Build($"{Root}.heads.weight-decay-toward", () => LearningSettings.ParseDecayTarget(r.String($"{Root}.heads.weight-decay-toward"))),
            HeadTrainable = r.Build($"{Root}.heads.trainable", () => LearningSettings.ParseHeadTrainable(r.String($"{Root}.heads.trainable"))),
            EvalBatchSize = r.Int($"{Root}.evaluation.batch-size", 1, 1 << 20),
            Precision = r.Build($"{Root}.precision", () => LearningSettings.ParsePrecision(r.String($"{Root}.precision"))),
            MemoryFormat = r.Build($"{Root}.memory-format", () => MemoryFormats.Parse(r.String($"{Root}.memory-format"))),
        };
        r.Build(Root, () =>
        {
            settings.Validate();
            return settings;
        });
        return settings;
    }

    private static PhaseSettings ReadPhase(ConfigReader r, string phase)
    {
        var p = $"{Root}.{phase}";
        var settings = new PhaseSettings
        {
            Optimizer = r.Build($"{p}.optimizer", () => LearningSettings.ParseOptimizer(r.String($"{p}.optimizer"))),
            LearningRate = r.Double($"{p}.lr", 1e-12, 1e6),
            Momentum = r.Double($"{p}.momentum", 0, 0.9999),
            WeightDecay = r.Double($"{p}.weight-decay", 0, 1e3),
            BatchSize = r.Int($"{p}.batch-size", 1, 1 << 20),
            LocalEpochs = r.Int($"{p}.local-epochs", 1, 100_000),
        };
        return settings;
    }

    /// <summary><c>&lt;phase&gt;.augment-by-task</c>: per task, the keys it sets over <c>&lt;phase&gt;.augment</c>.</summary>
    private static Dictionary<string, AugmentSettings> ReadAugmentByTask(ConfigReader r, string phase)
    {
        var list = $"{Root}.{phase}.augment-by-task";
        var common = r.Config.GetConfig($"{Root}.{phase}.augment");
        var result = new Dictionary<string, AugmentSettings>(StringComparer.Ordinal);
        var items = ValueKinds.Items(r.Config.GetValue(list));
        for (var i = 0; i < items.Count; i++)
        {
            var entry = items[i].ToConfig();
            var task = entry.GetString("task") ?? "";
            if (task.Length == 0) throw r.Invalid($"{list}[{i}].task", "", "must name a task");
            if (!result.TryAdd(task, r.Build($"{list}[{i}]", () => ParseAugment(entry.WithFallback(common)))))
                throw r.Invalid($"{list}[{i}].task", task, "is named twice");
        }
        return result;
    }

    private static AugmentSettings ParseAugment(Akka.Configuration.Config a)
    {
        var settings = new AugmentSettings
        {
            CropScaleMin = a.GetDouble("crop-scale-min"),
            CropScaleMax = a.GetDouble("crop-scale-max"),
            CropRatioMin = a.GetDouble("crop-ratio-min"),
            CropRatioMax = a.GetDouble("crop-ratio-max"),
            HorizontalFlip = a.GetBoolean("flip"),
            RotationDegrees = a.GetDouble("rotation-degrees"),
            ColorJitterStrength = a.GetDouble("jitter-strength"),
            ColorJitterProbability = a.GetDouble("jitter-probability"),
            GrayscaleProbability = a.GetDouble("grayscale-probability"),
            BlurProbability = a.GetDouble("blur-probability"),
            ChannelPermutationProbability = a.GetDouble("channel-permutation-probability"),
        };
        settings.Validate();
        return settings;
    }

    private static AugmentSettings ReadAugment(ConfigReader r, string phase)
    {
        var a = $"{Root}.{phase}.augment";
        var settings = new AugmentSettings
        {
            CropScaleMin = r.Double($"{a}.crop-scale-min", 1e-6, 1),
            CropScaleMax = r.Double($"{a}.crop-scale-max", 1e-6, 1),
            CropRatioMin = r.Double($"{a}.crop-ratio-min", 1e-6, 1e6),
            CropRatioMax = r.Double($"{a}.crop-ratio-max", 1e-6, 1e6),
            HorizontalFlip = r.Bool($"{a}.flip"),
            RotationDegrees = r.Double($"{a}.rotation-degrees", 0, 180),
            ColorJitterStrength = r.Double($"{a}.jitter-strength", 0, 10),
            ColorJitterProbability = r.Double($"{a}.jitter-probability", 0, 1),
            GrayscaleProbability = r.Double($"{a}.grayscale-probability", 0, 1),
            BlurProbability = r.Double($"{a}.blur-probability", 0, 1),
            ChannelPermutationProbability = r.Double($"{a}.channel-permutation-probability", 0, 1),
        };
        return r.Build(a, () =>
        {
            settings.Validate();
            return settings;
        });
    }
}
