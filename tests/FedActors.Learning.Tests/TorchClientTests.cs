using FedActors.Core;
using FedActors.Learning.Models;
using FedActors.Learning.Training;
using FedActors.Learning.Weights;
using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

[Collection("torch")]
public sealed class TorchClientTests
{
    private static readonly LearningSettings Settings = new()
    {
        SimClr = new PhaseSettings { BatchSize = 8, LocalEpochs = 1, LearningRate = 3e-3 },
        Heads = new PhaseSettings { BatchSize = 8, LocalEpochs = 1, LearningRate = 3e-3 },
        Supervised = new PhaseSettings { BatchSize = 8, LocalEpochs = 1, LearningRate = 3e-3, Optimizer = OptimizerKind.Sgd },
        EvalBatchSize = 5,
    };

    private static readonly Dictionary<string, string> Config = new() { ["total-rounds"] = "3" };

    private static ModelWeights Global(int seed = 1) =>
        ModelFactory.InitialGlobal(TestData.TinySpec, new Dictionary<string, int> { ["shapes"] = 4, ["scenes"] = 6 }, seed);

    private static TorchClient NewClient(LearningSettings? settings = null, NetworkPool? pool = null, string id = "client-a") =>
        new(TestData.Client(id), TestData.TinySpec, settings ?? Settings, runSeed: 7, CPU, pool);

    /// <summary>The backbone the client's last call left in the pool (the only idle network of its shape).</summary>
    private static ModelWeights LastBackbone(NetworkPool pool, TorchClient client)
    {
        using var lease = pool.Rent(TestData.TinySpec, client.Task, 4, CPU);
        return StateDict.Export(lease.Network.Backbone, WeightNames.Backbone);
    }

    [Fact]
    public void SimClr_fit_must_return_backbone_and_projector_with_buffers()
    {
        var global = Global();
        using var client = NewClient();

        var result = client.Fit(new FitIns(1, Phases.SimClr, global, Config), CancellationToken.None);

        var expected = global.Names.Where(n => !WeightNames.IsUnder(n, WeightNames.Heads));
        Assert.Equal(expected, result.Weights.Names);
        Assert.Equal(24, result.NumExamples);
        Assert.Equal("client-a", result.ClientId);
        Assert.True(double.IsFinite(result.Metrics[MetricNames.Loss]));
        Assert.Equal([3f], result.Weights["backbone.bn1.num_batches_tracked"].Data);
        Assert.NotEqual(global["backbone.conv1.weight"].Data, result.Weights["backbone.conv1.weight"].Data);
    }

    [Fact]
    public void Heads_fit_on_the_last_stage_must_return_the_head_and_layer4_and_keep_frozen_statistics()
    {
        var global = Global();
        using var pool = new NetworkPool();
        using var client = NewClient(pool: pool);

        var result = client.Fit(new FitIns(1, Phases.Heads, global, Config), CancellationToken.None);

        var expected = global.Names.Where(n => WeightNames.IsUnder(n, "backbone.layer4"))
            .Concat(["heads.shapes.weight", "heads.shapes.bias"]);
        Assert.Equal(expected, result.Weights.Names);
        Assert.Equal(16, result.NumExamples);
        Assert.InRange(result.Metrics[MetricNames.Acc1], 0, 1);
        Assert.True(double.IsFinite(result.Metrics[MetricNames.Loss]));
        // layer4 trained in train mode (its statistics moved); the frozen stages ran in eval mode.
        Assert.NotEqual(global["backbone.layer4.0.bn1.running_mean"].Data, result.Weights["backbone.layer4.0.bn1.running_mean"].Data);
        var local = LastBackbone(pool, client);
        Assert.Equal(global["backbone.layer1.0.bn1.running_mean"].Data, local["backbone.layer1.0.bn1.running_mean"].Data);
        Assert.Equal(global["backbone.layer3.0.conv1.weight"].Data, local["backbone.layer3.0.conv1.weight"].Data);
    }

    [Fact]
    public void Heads_fit_with_a_backbone_per_task_must_train_and_return_the_tasks_own_backbone()
    {
        var global = TaskBackbones.Add(Global());
        Assert.Equal(["scenes", "shapes"], global.Names.Where(n => WeightNames.IsUnder(n, WeightNames.TaskBackbones))
            .Select(n => n.Split('.')[1]).Distinct().Order(StringComparer.Ordinal));
        var shared = global.Where(n => WeightNames.IsUnder(n, WeightNames.Backbone));
        Assert.Same(shared["backbone.conv1.weight"].Data, global["task-backbones.shapes.conv1.weight"].Data); // copies share arrays
        Assert.Same(global, TaskBackbones.Add(global)); // a task that has its backbone keeps it
        // The shapes task's own backbone differs from the shared one: a client must start from its task's.
        var own = global.Select(t => WeightNames.IsUnder(t.Name, WeightNames.TaskBackbone("shapes")) && t.Name.EndsWith("conv1.weight", StringComparison.Ordinal)
            ? new NamedTensor(t.Name, t.Shape, [.. t.Data.Select(v => v * 2)])
            : t);
        var started = new ModelWeights(own);
        var settings = Settings with { HeadBackboneScope = BackboneScope.Task, HeadTrainable = HeadTrainable.All };
        using var client = NewClient(settings);

        var result = client.Fit(new FitIns(1, Phases.Heads, started, Config), CancellationToken.None);
        var evaluation = client.Evaluate(new EvaluateIns(1, Phases.Heads, started, Config), CancellationToken.None);
        var sharedOnly = client.Evaluate(new EvaluateIns(1, Phases.Heads, global, Config), CancellationToken.None);

        var expected = global.Names.Where(n => WeightNames.IsUnder(n, WeightNames.TaskBackbone("shapes"))).Concat(["heads.shapes.weight", "heads.shapes.bias"]);
        Assert.Equal(expected, result.Weights.Names);
        Assert.DoesNotContain(result.Weights.Names, n => WeightNames.IsUnder(n, WeightNames.Backbone));
        Assert.NotEqual(sharedOnly.Metrics[MetricNames.Loss], evaluation.Metrics[MetricNames.Loss]); // scored with the task's backbone
    }

    [Fact]
    public void Heads_fit_with_decay_toward_the_pretrained_backbone_must_pull_the_tasks_backbone_toward_the_shared_one()
    {
        // The shapes task's backbone starts at minus the shared (SimCLR) one; a strong decay toward the pre-trained
        // backbone brings it much closer to the shared one than the same decay toward zero.
        var started = new ModelWeights(TaskBackbones.Add(Global()).Select(t => WeightNames.IsUnder(t.Name, WeightNames.TaskBackbone("shapes")) && !t.Name.Contains("running_", StringComparison.Ordinal) && !t.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal)
            ? new NamedTensor(t.Name, t.Shape, [.. t.Data.Select(v => -v)])
            : t));
        var task = Settings with
        {
            HeadBackboneScope = BackboneScope.Task,
            HeadTrainable = HeadTrainable.All,
            Heads = Settings.Heads with { WeightDecay = 100 },
        };
        double DistanceToShared(WeightDecayTarget target)
        {
            using var client = NewClient(task with { HeadDecayTarget = target });
            var result = client.Fit(new FitIns(1, Phases.Heads, started, Config), CancellationToken.None);
            Assert.DoesNotContain(result.Weights.Names, n => WeightNames.IsUnder(n, WeightNames.Backbone));
            return result.Weights.Where(t => WeightNames.IsUnder(t.Name, WeightNames.TaskBackbone("shapes")) && t.Name.EndsWith("conv1.weight", StringComparison.Ordinal))
                .Sum(t => t.Data.Zip(started[WeightNames.Backbone + t.Name[WeightNames.TaskBackbone("shapes").Length..]].Data, (a, b) => (double)(a - b) * (a - b)).Sum());
        }
        var before = started.Where(t => WeightNames.IsUnder(t.Name, WeightNames.TaskBackbone("shapes")) && t.Name.EndsWith("conv1.weight", StringComparison.Ordinal))
            .Sum(t => t.Data.Sum(v => 4.0 * v * v)); // |(-w) - w|^2

        var towardZero = DistanceToShared(WeightDecayTarget.Zero);
        var towardPretrained = DistanceToShared(WeightDecayTarget.Pretrained);

        // Shrinking by a factor c moves -w to -c w: squared distance (1 + c)^2 / 4 of before toward zero, c^2 toward w.
        Assert.InRange(towardZero, 0.3 * before, before);
        Assert.True(towardPretrained < 0.6 * towardZero, $"squared distance to the shared backbone: {towardPretrained} toward the pre-trained one, {towardZero} toward zero, {before} before");
    }

    [Fact]
    public void Fits_must_use_the_augmentation_of_the_clients_task_when_it_has_one()
    {
        var global = Global();
        var strong = Augmentation.AugmentSettings.SimClr with { CropScaleMin = 0.1, ColorJitterProbability = 1 };
        using var common = NewClient();
        using var shapesOwn = NewClient(Settings with
        {
            SimClrAugmentByTask = new Dictionary<string, Augmentation.AugmentSettings> { ["shapes"] = strong },
            SupervisedAugmentByTask = new Dictionary<string, Augmentation.AugmentSettings> { ["shapes"] = strong },
        });
        using var otherTaskOwn = NewClient(Settings with { SimClrAugmentByTask = new Dictionary<string, Augmentation.AugmentSettings> { ["scenes"] = strong } });

        foreach (var phase in new[] { Phases.SimClr, Phases.Supervised })
        {
            var instructions = new FitIns(1, phase, global, Config);
            var reference = common.Fit(instructions, CancellationToken.None).Weights.ContentHash();
            Assert.NotEqual(reference, shapesOwn.Fit(instructions, CancellationToken.None).Weights.ContentHash());
            Assert.Equal(reference, otherTaskOwn.Fit(instructions, CancellationToken.None).Weights.ContentHash());
        }
    }

    [Fact]
    public void Heads_fit_with_a_frozen_backbone_must_return_only_the_head()
    {
        var global = Global();
        using var pool = new NetworkPool();
        using var client = NewClient(pool: pool);
        var config = new Dictionary<string, string>(Config) { ["head-trainable"] = "head" };

        var result = client.Fit(new FitIns(1, Phases.Heads, global, config), CancellationToken.None);

        Assert.Equal(["heads.shapes.weight", "heads.shapes.bias"], result.Weights.Names);
        var local = LastBackbone(pool, client);
        Assert.Equal(global.Where(n => WeightNames.IsUnder(n, WeightNames.Backbone)).ContentHash(), local.ContentHash());
    }

    [Fact]
    public void Supervised_fit_must_return_the_backbone_and_the_head()
    {
        var global = Global();
        using var client = NewClient();

        var result = client.Fit(new FitIns(2, Phases.Supervised, global, Config), CancellationToken.None);

        var expected = global.Names.Where(n => WeightNames.IsUnder(n, WeightNames.Backbone)).Concat(["heads.shapes.weight", "heads.shapes.bias"]);
        Assert.Equal(expected, result.Weights.Names);
        Assert.Equal(2, result.Round);
        Assert.InRange(result.Metrics[MetricNames.Acc1], 0, 1);
    }

    [Fact]
    public void Evaluate_must_report_accuracies_in_the_unit_interval()
    {
        var global = Global();
        using var client = NewClient();

        var result = client.Evaluate(new EvaluateIns(1, Phases.Heads, global, Config), CancellationToken.None);

        Assert.Equal(12, result.NumExamples);
        Assert.InRange(result.Metrics[MetricNames.Acc1], 0, 1);
        Assert.InRange(result.Metrics[MetricNames.Acc5], 0, 1);
        // Four classes: top-5 is capped at top-4, which always hits.
        Assert.Equal(1.0, result.Metrics[MetricNames.Acc5]);
        Assert.True(result.Metrics[MetricNames.Loss] > 0);
    }

    [Fact]
    public void Evaluate_must_report_the_accuracies_and_loss_of_known_logits()
    {
        // A head with zero weights answers its bias for every image, whatever the backbone makes of it.
        float[] bias = [0f, 4f, 1f, 3f, 2f, 5f, -1f]; // ranks the classes 5 > 1 > 3 > 4 > 2 > 0 > 6
        var initial = ModelFactory.InitialGlobal(TestData.TinySpec, new Dictionary<string, int> { ["shapes"] = 7 }, 1);
        var global = new ModelWeights(initial.Select(t => t.Name switch
        {
            "heads.shapes.weight" => new NamedTensor(t.Name, t.Shape, new float[t.Data.Length]),
            "heads.shapes.bias" => new NamedTensor(t.Name, t.Shape, bias),
            _ => t,
        }));
        using var client = new TorchClient(TestData.Client(classes: 7), TestData.TinySpec, Settings, runSeed: 7, CPU);

        var result = client.Evaluate(new EvaluateIns(1, Phases.Heads, global, Config), CancellationToken.None);

        // 12 evaluation images labelled 0 1 2 3 4 5 6 0 1 2 3 4, scored in batches of 5, 5 and 2.
        int[] labels = [.. Enumerable.Range(0, 12).Select(i => i % 7)];
        Assert.Equal(12, result.NumExamples);
        Assert.Equal(1.0 / 12, result.Metrics[MetricNames.Acc1], 12);   // the one image of class 5
        Assert.Equal(9.0 / 12, result.Metrics[MetricNames.Acc5], 12);   // classes 1-5; not the two of class 0, nor class 6
        var logSumExp = Math.Log(bias.Sum(b => Math.Exp(b)));
        var loss = labels.Average(label => logSumExp - bias[label]);   // cross entropy of the constant logits
        Assert.Equal(loss, result.Metrics[MetricNames.Loss], 5);
    }

    [Theory]
    [InlineData(Phases.SimClr)]
    [InlineData(Phases.Heads)]
    public void Identical_fits_must_give_bit_identical_weights(string phase)
    {
        var global = Global();
        using var first = NewClient();
        using var second = NewClient();
        var instructions = new FitIns(2, phase, global, Config);

        var a = first.Fit(instructions, CancellationToken.None);
        var again = first.Fit(instructions, CancellationToken.None);
        var b = second.Fit(instructions, CancellationToken.None);

        Assert.Equal(a.Weights.ContentHash(), again.Weights.ContentHash());
        first.ReleaseModel();
        Assert.Equal(a.Weights.ContentHash(), first.Fit(instructions, CancellationToken.None).Weights.ContentHash());
        Assert.Equal(a.Weights.ContentHash(), b.Weights.ContentHash());
        Assert.Equal(a.Metrics[MetricNames.Loss], b.Metrics[MetricNames.Loss]);
        var otherRound = first.Fit(instructions with { Round = 3 }, CancellationToken.None);
        Assert.NotEqual(a.Weights.ContentHash(), otherRound.Weights.ContentHash());
    }

    [Fact]
    public void Clients_sharing_a_pool_must_give_what_separate_networks_give()
    {
        var global = Global();
        using var pool = new NetworkPool();
        using var sharedA = NewClient(pool: pool, id: "client-a");
        using var sharedB = NewClient(pool: pool, id: "client-b");
        using var aloneA = NewClient(id: "client-a");
        using var aloneB = NewClient(id: "client-b");
        var simclr = new FitIns(2, Phases.SimClr, global, Config);
        var heads = new FitIns(2, Phases.Heads, global, Config);
        var evaluate = new EvaluateIns(2, Phases.Heads, global, Config);

        // Interleaved, so each shared call runs on the network the other client trained last.
        var a1 = sharedA.Fit(simclr, CancellationToken.None);
        var b1 = sharedB.Fit(heads, CancellationToken.None);
        var a2 = sharedA.Fit(heads, CancellationToken.None);
        var b2 = sharedB.Fit(simclr, CancellationToken.None);
        var evalA = sharedA.Evaluate(evaluate, CancellationToken.None);

        Assert.Equal(aloneA.Fit(simclr, CancellationToken.None).Weights.ContentHash(), a1.Weights.ContentHash());
        Assert.Equal(aloneB.Fit(heads, CancellationToken.None).Weights.ContentHash(), b1.Weights.ContentHash());
        Assert.Equal(aloneA.Fit(heads, CancellationToken.None).Weights.ContentHash(), a2.Weights.ContentHash());
        Assert.Equal(aloneB.Fit(simclr, CancellationToken.None).Weights.ContentHash(), b2.Weights.ContentHash());
        Assert.Equal(aloneA.Evaluate(evaluate, CancellationToken.None).Metrics, evalA.Metrics);
        Assert.NotEqual(a1.Weights.ContentHash(), b2.Weights.ContentHash());
    }

    [Fact]
    public void A_pool_must_reuse_networks_and_build_one_per_concurrent_call()
    {
        var global = Global();
        using var pool = new NetworkPool();
        var clients = Enumerable.Range(0, 6).Select(i => NewClient(pool: pool, id: $"client-{i}")).ToList();
        try
        {
            foreach (var client in clients)
                client.Fit(new FitIns(1, Phases.Heads, global, Config), CancellationToken.None);
            Assert.Equal(1, pool.Created);
            Assert.Equal(1, pool.Idle);

            // Two trainer threads: at most two networks live, whatever the number of clients.
            Parallel.ForEach(clients, new ParallelOptions { MaxDegreeOfParallelism = 2 },
                client => client.Evaluate(new EvaluateIns(1, Phases.Heads, global, Config), CancellationToken.None));
            Assert.InRange(pool.Created, 1, 2);
            Assert.Equal(0, pool.Rented);

            // Another task is another shape: one more network, not a rebuilt one.
            using var other = new TorchClient(TestData.Client("client-x", "scenes", 6), TestData.TinySpec, Settings, runSeed: 7, CPU, pool);
            other.Evaluate(new EvaluateIns(1, Phases.Heads, global, Config), CancellationToken.None);
            Assert.Equal(pool.Created, pool.Idle);
            var created = pool.Created;
            clients[0].Evaluate(new EvaluateIns(1, Phases.Heads, global, Config), CancellationToken.None);
            Assert.Equal(created, pool.Created);

            pool.Trim();
            Assert.Equal(0, pool.Idle);
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    [Fact]
    public void Fit_must_name_a_bad_config_value_and_a_missing_head()
    {
        var global = Global();
        using var client = NewClient();

        Assert.Throws<FormatException>(() => client.Fit(new FitIns(1, Phases.SimClr, global, new Dictionary<string, string> { ["lr"] = "x" }), CancellationToken.None));
        var headless = global.Where(n => !WeightNames.IsUnder(n, "heads.shapes"));
        var error = Assert.Throws<KeyNotFoundException>(() => client.Fit(new FitIns(1, Phases.Heads, headless, Config), CancellationToken.None));
        Assert.Contains("heads.shapes.weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_must_stop_when_cancelled()
    {
        using var client = NewClient();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => client.Fit(new FitIns(1, Phases.SimClr, Global(), Config), cancelled.Token));
    }
}
