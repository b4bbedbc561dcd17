using FedActors.Core;
using FedActors.Data;
using FedActors.Learning.Augmentation;
using FedActors.Learning.Models;
using FedActors.Learning.Training;
using FedActors.Learning.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace FedActors.Learning;

/// <summary>
/// A federated client that trains with TorchSharp on its own <see cref="ClientData"/>:
/// <list type="bullet">
/// <item><c>simclr</c>: backbone + projector by SimCLR on the unlabeled split (its labels are never read);
/// returns <c>backbone.*</c> and <c>projector.*</c>.</item>
/// <item><c>heads</c>: the task head (+ the backbone part <see cref="HeadTrainable"/> allows; frozen BatchNorms
/// keep their statistics) by cross entropy on the labeled split; returns <c>heads.&lt;task&gt;.*</c> and the
/// trained backbone tensors.</item>
/// <item><c>supervised</c>: everything by cross entropy on the labeled split; returns <c>backbone.*</c> and the head.</item>
/// </list>
/// Evaluation scores backbone + head on the evaluation split. Every random draw is seeded from
/// (run seed, purpose, client, round): on CPU a run is reproducible bit for bit. The client holds no model:
/// each call rents a network from its <see cref="NetworkPool"/>, imports the global tensors it uses and
/// gives it back, so clients that share a pool share a few networks. Between rounds a client holds its data
/// shard and ids only (its head and BatchNorm statistics travel in the global weights); optimiser state is
/// not kept between rounds. Not thread-safe: one call at a time per client.
/// </summary>
public sealed class TorchClient : IKnownShard, IDisposable
{
    private readonly ClientData _data;
    private readonly BackboneSpec _spec;
    private readonly LearningSettings _settings;
    private readonly long _runSeed;
    private readonly DevicePlan _devices;
    private readonly NetworkPool _pool;
    private readonly bool _ownsPool;

    /// <param name="pool">Networks shared with other clients; null gives this client a pool of its own, which
    /// keeps its one network between calls until <see cref="ReleaseModel"/>.</param>
    public TorchClient(ClientData data, BackboneSpec spec, LearningSettings settings, long runSeed, Device device, NetworkPool? pool = null)
        : this(data, spec, settings, runSeed, DevicePlan.Of(device ?? throw new ArgumentNullException(nameof(device))), pool)
    {
    }

    /// <param name="devices">Each call runs on the device of the trainer slot that runs it (<see cref="DevicePlan.Current"/>).</param>
    /// <param name="pool">As in the other constructor.</param>
    public TorchClient(ClientData data, BackboneSpec spec, LearningSettings settings, long runSeed, DevicePlan devices, NetworkPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(devices);
        spec.Validate();
        settings.Validate();
        if (data.Labeled.Channels != spec.InputChannels)
            throw new ArgumentException($"client '{data.ClientId}': images have {data.Labeled.Channels} channels, the backbone expects {spec.InputChannels}");
        _data = data;
        _spec = spec;
        _settings = settings;
        _runSeed = runSeed;
        _devices = devices;
        _ownsPool = pool is null;
        _pool = pool ?? new NetworkPool();
    }

    public string Id => _data.ClientId;

    public string Task => _data.Task;

    /// <summary>What a fit of <paramref name="phase"/> trains on: the unlabeled split for SimCLR, else the labeled one.</summary>
    public long ShardSize(string phase) => phase == Phases.SimClr ? _data.Unlabeled.Count : _data.Labeled.Count;

    public FitRes Fit(FitIns instructions, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        var phase = _settings.For(instructions.Phase);
        var config = FitConfig.Parse(instructions.Config, phase, _settings.HeadTrainable);
        return instructions.Phase switch
        {
            Phases.SimClr => FitSimClr(instructions, phase, config, cancellation),
            Phases.Heads => FitSupervised(instructions, phase, config, config.HeadTrainable, cancellation),
            Phases.Supervised => FitSupervised(instructions, phase, config, HeadTrainable.All, cancellation),
            _ => throw new ArgumentException($"unknown phase '{instructions.Phase}'"),
        };
    }

    public EvaluateRes Evaluate(EvaluateIns instructions, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        if (instructions.Phase == Phases.SimClr) return EvaluateKnn(instructions, cancellation);
        using var lease = Rent();
        var net = lease.Network;
        var data = _data.Evaluation;
        if (data.Count == 0) throw new InvalidOperationException($"client '{Id}' has no evaluation images");
        StateDict.Import(net.Backbone, instructions.Global, BackbonePrefix(instructions.Phase));
        StateDict.Import(net.Head, instructions.Global, net.HeadPrefix);
        net.Backbone.eval();
        net.Head.eval();
        var topK = Math.Min(5, _data.NumClasses);
        double lossSum = 0;
        long top1 = 0, top5 = 0;
        using (no_grad())
        {
            foreach (var indices in Batches.Sequential(data.Count, _settings.EvalBatchSize))
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var images = ImageAugmentation.Prepare(Batches.Images(data, indices, lease.Device), _settings.Normalization);
                var labels = Batches.Labels(data, indices, lease.Device);
                var logits = net.Head.call(net.Backbone.call(images));
                lossSum += F.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).item<float>();
                var (hits1, hitsK) = TopKHits.Count(logits, labels, topK);
                top1 += hits1;
                top5 += hitsK;
            }
        }
        var metrics = new Dictionary<string, double>
        {
            [MetricNames.Acc1] = (double)top1 / data.Count,
            [MetricNames.Acc5] = (double)top5 / data.Count,
            [MetricNames.Loss] = lossSum / data.Count,
        };
        return new EvaluateRes(Id, instructions.Round, data.Count, metrics);
    }

    /// <summary>
    /// The SimCLR phase has no head to score: its evaluation is the k-NN monitor of the backbone's features
    /// (<see cref="KnnProbe"/>) on each of the client's <see cref="ClientData.Probes"/>, reported as <c>knn</c> for
    /// the client's own task and <c>knn/&lt;task&gt;</c> for another.
    /// </summary>
    private EvaluateRes EvaluateKnn(EvaluateIns instructions, CancellationToken cancellation)
    {
        using var lease = Rent();
        var net = lease.Network;
        StateDict.Import(net.Backbone, instructions.Global, WeightNames.Backbone);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        long examples = 0;
        foreach (var probe in _data.Probes)
        {
            var accuracy = KnnProbe.Accuracy(
                net.Backbone, probe.Bank, probe.Queries, _settings.Knn, _settings.Normalization, lease.Device, _settings.EvalBatchSize, cancellation);
            metrics[probe.Task == Task ? MetricNames.Knn : MetricNames.ForTask(MetricNames.Knn, probe.Task)] = accuracy;
            examples += probe.Queries.Count;
        }
        return new EvaluateRes(Id, instructions.Round, examples, metrics);
    }

    /// <summary>
    /// Frees the idle networks of this client's own pool; the next call builds one again. Every call loads its
    /// weights from the instructions, so nothing is lost. A shared pool is left alone: its owner trims it.
    /// </summary>
    public void ReleaseModel()
    {
        if (_ownsPool) _pool.Trim();
    }

    public void Dispose()
    {
        if (_ownsPool) _pool.Dispose();
    }

    private FitRes FitSimClr(FitIns instructions, PhaseSettings phase, FitConfig config, CancellationToken cancellation)
    {
        using var lease = Rent();
        var net = lease.Network;
        var data = _data.Unlabeled;
        if (data.Count == 0) throw new InvalidOperationException($"client '{Id}' has no unlabeled images for SimCLR");
        StateDict.Import(net.Backbone, instructions.Global, WeightNames.Backbone);
        StateDict.Import(net.Projector, instructions.Global, WeightNames.Projector);
        SetTrainable(net.Backbone, true);
        SetTrainable(net.Projector, true);
        net.Backbone.train();
        net.Projector.train();

        var loss = Train(instructions.Round, Phases.SimClr, data.Count, phase, config, [net.Backbone, net.Projector], [1, 1], dropLast: true, cancellation,
            (indices, generator) =>
                (SimClrStep.Loss(net.Backbone, net.Projector, Batches.Images(data, indices, lease.Device), _settings, generator, _settings.SimClrAugmentFor(Task)), 0));

        var weights = new ModelWeights(
            StateDict.Export(net.Backbone, WeightNames.Backbone).Concat(StateDict.Export(net.Projector, WeightNames.Projector)));
        return new FitRes(Id, instructions.Round, weights, data.Count, new Dictionary<string, double> { [MetricNames.Loss] = loss.MeanLoss });
    }

    private FitRes FitSupervised(FitIns instructions, PhaseSettings phase, FitConfig config, HeadTrainable trainable, CancellationToken cancellation)
    {
        using var lease = Rent();
        var net = lease.Network;
        var data = _data.Labeled;
        if (data.Count == 0) throw new InvalidOperationException($"client '{Id}' has no labeled images for phase '{instructions.Phase}'");
        var backbonePrefix = BackbonePrefix(instructions.Phase);
        // L2-SP: the weight decay of the backbone pulls toward the shared SimCLR backbone, which the heads phase with a
        // backbone per task leaves unchanged in the global weights (LearningSettings.Validate insists on that scope).
        using var anchors = instructions.Phase == Phases.Heads && _settings.HeadDecayTarget == WeightDecayTarget.Pretrained
            ? DecayAnchors.Of(net.Backbone, instructions.Global, WeightNames.Backbone)
            : null;
        StateDict.Import(net.Backbone, instructions.Global, backbonePrefix);
        StateDict.Import(net.Head, instructions.Global, net.HeadPrefix);

        // Frozen parts run in eval mode so their BatchNorm statistics stay those of the global backbone.
        SetTrainable(net.Backbone, trainable == HeadTrainable.All);
        net.Backbone.train(trainable == HeadTrainable.All);
        var lastStage = net.Backbone.Stage(4);
        if (trainable == HeadTrainable.LastStage)
        {
            SetTrainable(lastStage, true);
            lastStage.train();
        }
        SetTrainable(net.Head, true);
        net.Head.train();

        // The heads phase may retrain the backbone more gently than the head (heads.backbone-lr-scale).
        double[] rateScales = [instructions.Phase == Phases.Heads ? _settings.HeadBackboneRateScale : 1, 1];
        var result = Train(instructions.Round, instructions.Phase, data.Count, phase, config, [net.Backbone, net.Head], rateScales, dropLast: false, cancellation,
            decayAnchors: [anchors, null],
            step: (indices, generator) =>
            {
                var images = ImageAugmentation.AugmentAndNormalize(Batches.Images(data, indices, lease.Device), _settings.SupervisedAugmentFor(Task), _settings.Normalization, generator);
                var labels = Batches.Labels(data, indices, lease.Device, config.LabelFlip);
                var logits = net.Head.call(net.Backbone.call(images)).to(ScalarType.Float32);
                var correct = logits.argmax(1).eq(labels).sum().item<long>();
                return (F.cross_entropy(logits, labels), correct);
            });

        var backbone = trainable switch
        {
            HeadTrainable.All => StateDict.Export(net.Backbone, backbonePrefix),
            HeadTrainable.LastStage => StateDict.Export(net.Backbone, backbonePrefix, key => WeightNames.IsUnder(key, "layer4")),
            _ => ModelWeights.Empty,
        };
        var weights = new ModelWeights(backbone.Concat(StateDict.Export(net.Head, net.HeadPrefix)));
        var metrics = new Dictionary<string, double>
        {
            [MetricNames.Loss] = result.MeanLoss,
            [MetricNames.Acc1] = result.Accuracy,
        };
        return new FitRes(Id, instructions.Round, weights, data.Count, metrics);
    }

    /// <summary>
    /// The local training loop shared by every phase: seeded shuffles and augmentations, cosine rate over
    /// the phase, one dispose scope per step. <paramref name="step"/> returns the batch loss (float32) and the
    /// number of correct predictions (0 when not a classification). With a low <see cref="LearningSettings.Precision"/>
    /// <paramref name="modules"/> compute in it for the length of the loop and the optimiser updates float32
    /// masters of <paramref name="parameters"/> (<see cref="MixedPrecision"/>).
    /// </summary>
    private TrainResult Train(
        int round,
        string purpose,
        int count,
        PhaseSettings phase,
        FitConfig config,
        IReadOnlyList<nn.Module> modules,
        IReadOnlyList<double> moduleRateScales,
        bool dropLast,
        CancellationToken cancellation,
        Func<int[], Generator, (Tensor Loss, long Correct)> step,
        IReadOnlyList<DecayAnchors?>? decayAnchors = null)
    {
        var shuffle = new Random(Seeds.Derive32(_runSeed, $"{purpose}/shuffle", Id, round));
        using var generator = new Generator(unchecked((ulong)Seeds.Derive(_runSeed, $"{purpose}/augment", Id, round)), CPU);
        var epochs = Enumerable.Range(0, config.Epochs).Select(_ => Batches.Shuffled(count, phase.BatchSize, shuffle, dropLast)).ToList();
        var stepsPerRound = epochs.Sum(e => e.Count);
        using var mixed = _settings.Precision == TrainingPrecision.Float32 ? null : new MixedPrecision(modules, _settings.Precision);
        // The trainable parameters of the modules, in order, each with its module's learning-rate scale.
        // (MixedPrecision's masters come in the same order.) Each may have a weight-decay anchor (float32, as the masters).
        var trained = modules.SelectMany((m, i) => m.named_parameters().Where(p => p.parameter.requires_grad)
            .Select(p => (Parameter: p.parameter, Module: i, Anchor: decayAnchors?[i]?.For(p.name)))).ToList();
        using var optimizer = mixed is null
            ? Optimizers.Create(trained.Select(t => t.Parameter), phase, config.LearningRate, [.. trained.Select(t => moduleRateScales[t.Module])], [.. trained.Select(t => t.Anchor)])
            : Optimizers.Create(mixed.Masters, phase, config.LearningRate, [.. mixed.MasterModules.Select(m => moduleRateScales[m])], [.. trained.Select(t => t.Anchor)]);
        using var proximal = config.ProximalMu > 0 ? new ProximalTerm([.. trained.Select(t => t.Parameter)], config.ProximalMu) : null;
        double lossSum = 0;
        long seen = 0, correct = 0, localStep = 0;
        foreach (var batch in epochs.SelectMany(e => e))
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            optimizer.LearningRate = CosineSchedule.ForRound(config.LearningRate, round, config.TotalRounds, stepsPerRound, localStep++);
            var (loss, batchCorrect) = step(batch, generator);
            if (proximal is not null) loss = loss.add(proximal.Value());
            var value = loss.item<float>();
            if (!float.IsFinite(value))
                throw new InvalidOperationException($"client '{Id}', phase '{purpose}', round {round}: loss became {value} at step {localStep}");
            // A float16 step whose gradients overflowed is skipped; its loss still counts in the mean.
            Optimizers.BackwardAndStep(optimizer, loss, mixed);
            lossSum += (double)value * batch.Length;
            seen += batch.Length;
            correct += batchCorrect;
        }
        return new TrainResult(seen == 0 ? double.NaN : lossSum / seen, seen == 0 ? double.NaN : (double)correct / seen);
    }

    /// <summary>
    /// Where the backbone of <paramref name="phase"/> lives in the global weights: the task's own in the heads phase with
    /// <see cref="BackboneScope.Task"/>, else the shared one.
    /// </summary>
    private string BackbonePrefix(string phase) =>
        phase == Phases.Heads && _settings.HeadBackboneScope == BackboneScope.Task ? WeightNames.TaskBackbone(Task) : WeightNames.Backbone;

    private NetworkPool.Lease Rent()
    {
        var device = _devices.Current;
        return _pool.Rent(_spec, Task, _data.NumClasses, device, _settings.MemoryFormat.IsChannelsLastOn(device));
    }

    private static void SetTrainable(nn.Module module, bool trainable)
    {
        foreach (var parameter in module.parameters()) parameter.requires_grad = trainable;
    }

    private readonly record struct TrainResult(double MeanLoss, double Accuracy);
}
