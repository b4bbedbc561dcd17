using FedActors.Learning.Augmentation;

namespace FedActors.Learning.Training;

public enum OptimizerKind
{
    /// <summary>SGD with (heavy-ball) momentum; weight decay as an L2 term.</summary>
    Sgd,

    /// <summary>Adam; weight decay as an L2 term.</summary>
    Adam,

    /// <summary>Adam with decoupled weight decay.</summary>
    AdamW,
}

/// <summary>Which backbone parameters the <c>heads</c> phase trains besides the task head.</summary>
public enum HeadTrainable
{
    /// <summary>Linear probe: the whole backbone frozen.</summary>
    Head,

    /// <summary>The paper's "minimal retraining": <c>layer4</c> trains, the rest is frozen.</summary>
    LastStage,

    /// <summary>Full fine-tuning.</summary>
    All,
}

/// <summary>Which clients' fine-tuned backbones the <c>heads</c> phase averages.</summary>
public enum BackboneScope
{
    /// <summary>The paper's: one backbone, averaged over every client whatever its task.</summary>
    Shared,

    /// <summary>One backbone per task, averaged only among the task's clients; each starts from the shared one.</summary>
    Task,
}

/// <summary>What the heads phase's weight decay pulls the backbone toward.</summary>
public enum WeightDecayTarget
{
    /// <summary>Zero: plain weight decay.</summary>
    Zero,

    /// <summary>
    /// The pre-trained (SimCLR) backbone the phase started from: L2-SP (Li, Grandvalet and Davoine 2018), which keeps a
    /// fine-tuned network near its initialisation instead of shrinking it. The head still decays toward zero.
    /// </summary>
    Pretrained,
}

/// <summary>Optimiser and local budget of one phase.</summary>
public sealed record PhaseSettings
{
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;

    /// <summary>Peak learning rate; decays by cosine over the phase when the round count is known.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>SGD momentum (ignored by Adam/AdamW).</summary>
    public double Momentum { get; init; } = 0.9;

    public double WeightDecay { get; init; } = 1e-4;

    public int BatchSize { get; init; } = 128;

    /// <summary>Passes over the local data per round.</summary>
    public int LocalEpochs { get; init; } = 1;

    public void Validate(string phase)
    {
        if (!Enum.IsDefined(Optimizer)) throw new ArgumentException($"{phase}: unknown optimizer {Optimizer}");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"{phase}: learning rate must be positive, got {LearningRate}");
        if (Momentum is < 0 or >= 1) throw new ArgumentException($"{phase}: momentum must be in [0, 1), got {Momentum}");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"{phase}: weight decay must be >= 0, got {WeightDecay}");
        if (BatchSize < 1) throw new ArgumentException($"{phase}: batch size must be positive, got {BatchSize}");
        if (LocalEpochs < 1) throw new ArgumentException($"{phase}: local epochs must be positive, got {LocalEpochs}");
    }
}

/// <summary>
/// How a client trains and evaluates. Defaults follow SYNTHETIC-PROBE.md (AdamW, τ = 0.3, batch 128 for
/// SimCLR) and the paper (heads retrain the last backbone stage).
/// </summary>
public sealed record LearningSettings
{
    /// <summary>Stage 1: SimCLR on unlabeled data.</summary>
    public PhaseSettings SimClr { get; init; } = new() { LearningRate = 3e-3, BatchSize = 128, LocalEpochs = 2 };

    /// <summary>Stage 2: task head (+ what <see cref="HeadTrainable"/> allows) on labeled data.</summary>
    public PhaseSettings Heads { get; init; } = new() { LearningRate = 2e-3, BatchSize = 64, LocalEpochs = 2 };

    /// <summary>Baseline: the whole network, supervised, on labeled data.</summary>
    public PhaseSettings Supervised { get; init; } = new() { LearningRate = 2e-3, BatchSize = 64, LocalEpochs = 1 };

    /// <summary>NT-Xent temperature τ.</summary>
    public double Temperature { get; init; } = 0.3;

    /// <summary>The k-NN monitor of the SimCLR phase.</summary>
    public KnnSettings Knn { get; init; } = new();

    /// <summary>Augmentation of the two SimCLR views.</summary>
    public AugmentSettings SimClrAugment { get; init; } = AugmentSettings.SimClr;

    /// <summary>Augmentation for the <c>heads</c> and <c>supervised</c> phases.</summary>
    public AugmentSettings SupervisedAugment { get; init; } = AugmentSettings.Supervised;

    /// <summary>
    /// Per task, the SimCLR augmentation its clients use instead of <see cref="SimClrAugment"/> (each client runs its
    /// own pipeline: a flowers client may keep colour, a scenes client jitter it). Tasks not listed use the common one.
    /// </summary>
    public IReadOnlyDictionary<string, AugmentSettings> SimClrAugmentByTask { get; init; } = new Dictionary<string, AugmentSettings>();

    /// <summary>Per task, the supervised augmentation its clients use instead of <see cref="SupervisedAugment"/>.</summary>
    public IReadOnlyDictionary<string, AugmentSettings> SupervisedAugmentByTask { get; init; } = new Dictionary<string, AugmentSettings>();

    /// <summary>The SimCLR augmentation of <paramref name="task"/>'s clients.</summary>
    public AugmentSettings SimClrAugmentFor(string task) => SimClrAugmentByTask.GetValueOrDefault(task, SimClrAugment);

    /// <summary>The supervised augmentation of <paramref name="task"/>'s clients.</summary>
    public AugmentSettings SupervisedAugmentFor(string task) => SupervisedAugmentByTask.GetValueOrDefault(task, SupervisedAugment);

    /// <summary>Input normalisation, the same in every phase and in evaluation.</summary>
    public Normalization Normalization { get; init; } = Normalization.ImageNet;

    public HeadTrainable HeadTrainable { get; init; } = HeadTrainable.LastStage;

    /// <summary>
    /// In the heads phase, the backbone's learning rate as a fraction of the head's (PyTorch's parameter groups):
    /// 1 = the same rate, 0.1 = a gentle fine-tune of a pre-trained backbone.
    /// </summary>
    public double HeadBackboneRateScale { get; init; } = 1;

    /// <summary>Whether the heads phase averages the fine-tuned backbone over all clients or within each task.</summary>
    public BackboneScope HeadBackboneScope { get; init; } = BackboneScope.Shared;

    /// <summary>
    /// What the heads phase's weight decay pulls the trained backbone toward. <see cref="WeightDecayTarget.Pretrained"/> needs
    /// <see cref="BackboneScope.Task"/>: only then does the shared SimCLR backbone stay unchanged in the global weights.
    /// </summary>
    public WeightDecayTarget HeadDecayTarget { get; init; } = WeightDecayTarget.Zero;

    public int EvalBatchSize { get; init; } = 256;

    /// <summary>The number format of local training (evaluation and everything exchanged stay float32).</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Float32;

    /// <summary>The memory layout of the backbone's convolutions (<see cref="Models.MemoryFormat"/>).</summary>
    public Models.MemoryFormat MemoryFormat { get; init; } = Models.MemoryFormat.Auto;

    /// <summary>The budget of <paramref name="phase"/> (one of <see cref="Core.Phases"/>).</summary>
    public PhaseSettings For(string phase) => phase switch
    {
        Core.Phases.SimClr => SimClr,
        Core.Phases.Heads => Heads,
        Core.Phases.Supervised => Supervised,
        _ => throw new ArgumentException($"unknown phase '{phase}': expected one of {string.Join(", ", Core.Phases.All)}"),
    };

    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(SimClr);
        ArgumentNullException.ThrowIfNull(Heads);
        ArgumentNullException.ThrowIfNull(Supervised);
        ArgumentNullException.ThrowIfNull(SimClrAugment);
        ArgumentNullException.ThrowIfNull(SupervisedAugment);
        ArgumentNullException.ThrowIfNull(Normalization);
        ArgumentNullException.ThrowIfNull(Knn);
        Knn.Validate();
        SimClr.Validate(Core.Phases.SimClr);
        Heads.Validate(Core.Phases.Heads);
        Supervised.Validate(Core.Phases.Supervised);
        SimClrAugment.Validate();
        SupervisedAugment.Validate();
        foreach (var augment in SimClrAugmentByTask.Values.Concat(SupervisedAugmentByTask.Values)) augment.Validate();
        Normalization.Validate();
        if (!(Temperature > 0)) throw new ArgumentException($"temperature must be positive, got {Temperature}");
        if (!Enum.IsDefined(HeadBackboneScope)) throw new ArgumentException($"unknown backbone scope {HeadBackboneScope}");
        if (!Enum.IsDefined(HeadTrainable)) throw new ArgumentException($"unknown head-trainable mode {HeadTrainable}");
        if (!Enum.IsDefined(HeadDecayTarget)) throw new ArgumentException($"unknown weight-decay target {HeadDecayTarget}");
        if (HeadDecayTarget == WeightDecayTarget.Pretrained && HeadBackboneScope != BackboneScope.Task)
            throw new ArgumentException(
                "heads.weight-decay-toward = pretrained needs heads.backbone-scope = task: with the shared scope the heads phase " +
                "overwrites the SimCLR backbone every round, so there is no pre-trained backbone left to decay toward");
        if (!Enum.IsDefined(Precision)) throw new ArgumentException($"unknown precision {Precision}");
        if (!Enum.IsDefined(MemoryFormat)) throw new ArgumentException($"unknown memory format {MemoryFormat}");
        if (!(HeadBackboneRateScale >= 0) || double.IsInfinity(HeadBackboneRateScale))
            throw new ArgumentException($"heads backbone learning-rate scale must be finite and 0 or more, got {HeadBackboneRateScale}");
        if (EvalBatchSize < 1) throw new ArgumentException($"eval batch size must be positive, got {EvalBatchSize}");
    }

    /// <summary>Parses <c>sgd | adam | adamw</c> (case-insensitive).</summary>
    public static OptimizerKind ParseOptimizer(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "sgd" => OptimizerKind.Sgd,
        "adam" => OptimizerKind.Adam,
        "adamw" => OptimizerKind.AdamW,
        _ => throw new ArgumentException($"unknown optimizer '{name}': expected sgd, adam or adamw"),
    };

    /// <summary>Parses <c>fp32 | bf16 | fp16</c> (case-insensitive).</summary>
    public static TrainingPrecision ParsePrecision(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => TrainingPrecision.Float32,
        "bf16" or "bfloat16" => TrainingPrecision.BFloat16,
        "fp16" or "float16" => TrainingPrecision.Float16,
        _ => throw new ArgumentException($"unknown precision '{name}': expected fp32, bf16 or fp16"),
    };

    /// <summary>Parses <c>shared | task</c> (case-insensitive).</summary>
    public static BackboneScope ParseBackboneScope(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "shared" => BackboneScope.Shared,
        "task" => BackboneScope.Task,
        _ => throw new ArgumentException($"unknown backbone scope '{name}': expected shared or task"),
    };

    /// <summary>Parses <c>zero | pretrained</c> (case-insensitive).</summary>
    public static WeightDecayTarget ParseDecayTarget(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "zero" => WeightDecayTarget.Zero,
        "pretrained" => WeightDecayTarget.Pretrained,
        _ => throw new ArgumentException($"unknown weight-decay target '{name}': expected zero or pretrained"),
    };

    /// <summary>Parses <c>head | last-stage | all</c> (case-insensitive).</summary>
    public static HeadTrainable ParseHeadTrainable(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "head" => HeadTrainable.Head,
        "last-stage" or "laststage" => HeadTrainable.LastStage,
        "all" => HeadTrainable.All,
        _ => throw new ArgumentException($"unknown head-trainable mode '{name}': expected head, last-stage or all"),
    };
}
