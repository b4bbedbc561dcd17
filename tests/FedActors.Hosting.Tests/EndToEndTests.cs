using System.Text.Json;

namespace FedActors.Hosting.Tests;

[CollectionDefinition("torch", DisableParallelization = true)]
public sealed class TorchCollection;

/// <summary>Whole runs of a tiny configuration through the actors and TorchSharp.</summary>
[Collection("torch")]
public sealed class EndToEndTests
{
    /// <summary>Small enough for CI, large enough to learn the texture task.</summary>
    private static readonly string[] Tiny =
    [
        "fedactors.torch-threads=1",
        // images-per-client would not reach the default clients: each of them sets its own number of images.
        "fedactors.data.clients=[{ id = shapes, task = shapes, images = 400 }, { id = textures, task = textures, images = 400 }]",
        "fedactors.supervised.batch-size=32",
        "fedactors.supervised.local-epochs=4",
        "fedactors.heads.batch-size=32",
        "fedactors.arms=[cl, \"fl+ssl\"]",
        "fedactors.simclr.rounds=1",
        "fedactors.simclr.local-epochs=1",
        "fedactors.heads.rounds=2",
        "fedactors.heads.trainable=all",
        "fedactors.supervised.rounds=2",
        "fedactors.model.width=0.125",
    ];

    private static RunSummary Run(string outDir, params string[] extra)
    {
        var lines = new List<string>();
        var output = new ListOutput(lines);
        return RunLauncher.RunAsync(new RunRequest([], [.. Tiny, .. extra], outDir, Seed: 3), output).GetAwaiter().GetResult();
    }

    [Fact]
    public void Tiny_run_must_write_the_run_folder_and_learn_above_chance()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Path, "run");
        // 800 texture images (200 labeled): enough for the baseline to learn the task well above chance.
        var summary = Run(
            outDir,
            "fedactors.arms=[cl]",
            "fedactors.data.clients=[{ id = textures, task = textures, images = 800 }]",
            "fedactors.supervised.rounds=10",
            "fedactors.supervised.lr=0.005",
            "fedactors.model.width=0.25");

        foreach (var file in new[] { "config.conf", "metrics.csv", "summary.md", "summary.json", "accuracy.png" })
            Assert.True(File.Exists(Path.Combine(outDir, file)), $"{file} missing from the run folder");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        Assert.Equal(1, json.RootElement.GetProperty("results").GetArrayLength());

        // Textures has 6 classes: chance is 16.7 %.
        var textures = summary.TaskAcc1("cl", "textures");
        Assert.NotNull(textures);
        Assert.True(textures > 0.25, $"textures Acc@1 {textures:P1} is not clearly above chance (16.7 %)");

        var header = File.ReadLines(Path.Combine(outDir, "metrics.csv")).First();
        Assert.Equal("round,phase,arm,client,task,metric,value", header);
    }

    [Fact]
    public void Federated_run_with_a_backbone_per_task_must_fine_tune_one_per_task_and_leave_the_simclr_backbone()
    {
        using var dir = new TempDir();
        string[] sslOnly = ["fedactors.arms=[\"fl+ssl\"]", "fedactors.heads.backbone-scope=task", "fedactors.simclr.knn.every=1"];
        Run(Path.Combine(dir.Path, "ssl"), [.. sslOnly, "fedactors.heads.rounds=0"]);
        var summary = Run(Path.Combine(dir.Path, "task"), sslOnly);

        var ssl = FedActors.Core.WeightsFile.Read(Path.Combine(dir.Path, "ssl", "weights", "fl+ssl.weights"));
        var tuned = FedActors.Core.WeightsFile.Read(Path.Combine(dir.Path, "task", "weights", "fl+ssl.weights"));
        bool Under(string name, string prefix) => name.StartsWith(prefix + ".", StringComparison.Ordinal);
        Assert.Equal(ssl.Where(n => Under(n, "backbone")).ContentHash(), tuned.Where(n => Under(n, "backbone")).ContentHash());
        foreach (var task in new[] { "shapes", "textures" })
        {
            var own = tuned.Where(n => Under(n, "task-backbones." + task));
            Assert.Equal(ssl.Where(n => Under(n, "backbone")).Count, own.Count);
            Assert.NotEqual(tuned["backbone.conv1.weight"].Data, own["task-backbones." + task + ".conv1.weight"].Data); // fine-tuned
        }
        Assert.Contains("a backbone per task", summary.Arms.Single().Budget, StringComparison.Ordinal);
        // The k-NN monitor ran in the SimCLR round; accuracy came from the heads.
        var rows = Reporting.AccuracyCurves.ReadCsv(Path.Combine(dir.Path, "task", "metrics.csv"));
        Assert.Equal(2, rows.Count(r => r.Phase == "simclr" && r.Metric == "knn"));
        Assert.All(summary.Arms.Single().Clients, c => Assert.InRange(c.Acc1, 0, 1));
    }

    [Fact]
    public void Two_runs_with_one_seed_must_write_identical_metrics()
    {
        using var dir = new TempDir();
        Run(Path.Combine(dir.Path, "a"));
        Run(Path.Combine(dir.Path, "b"));
        var a = File.ReadAllBytes(Path.Combine(dir.Path, "a", "metrics.csv"));
        var b = File.ReadAllBytes(Path.Combine(dir.Path, "b", "metrics.csv"));
        Assert.True(a.Length > 200, "metrics.csv is nearly empty");
        Assert.Equal(a, b);
    }

    /// <summary>
    /// Smaller still, for the runs below that compare with one another: both arms, each phase one round of one epoch,
    /// 160 images per client; a few seconds a run in fp32.
    /// </summary>
    private static readonly string[] Smallest =
    [
        "fedactors.torch-threads=1",
        "fedactors.data.clients=[{ id = shapes, task = shapes, images = 160 }, { id = textures, task = textures, images = 160 }]",
        "fedactors.arms=[cl, \"fl+ssl\"]",
        "fedactors.simclr.rounds=1",
        "fedactors.simclr.local-epochs=1",
        "fedactors.simclr.batch-size=30",
        "fedactors.simclr.knn.every=0",
        "fedactors.heads.rounds=1",
        "fedactors.heads.local-epochs=1",
        "fedactors.heads.batch-size=20",
        "fedactors.supervised.rounds=1",
        "fedactors.supervised.local-epochs=1",
        "fedactors.supervised.batch-size=20",
        "fedactors.model.width=0.125",
    ];

    private static (string Dir, List<string> Lines) RunSmallest(TempDir dir, string name, params string[] extra)
    {
        var outDir = Path.Combine(dir.Path, name);
        var lines = new List<string>();
        RunLauncher.RunAsync(new RunRequest([], [.. Smallest, .. extra], outDir, Seed: 3), new ListOutput(lines)).GetAwaiter().GetResult();
        return (outDir, lines);
    }

    private static string[] Metrics(string runDir) => File.ReadAllLines(Path.Combine(runDir, "metrics.csv"));

    [Fact]
    public void Run_on_a_device_list_with_two_trainer_slots_must_write_the_metrics_of_one_device_and_one_slot()
    {
        using var dir = new TempDir();
        var (one, _) = RunSmallest(dir, "one-device");
        var (two, lines) = RunSmallest(dir, "cpu-cpu", "fedactors.device=\"cpu, cpu\"", "fedactors.engine.trainer-slots=2");

        // The second run did use the device list and the two slots.
        Assert.Contains(lines, l => l.StartsWith("data: ", StringComparison.Ordinal) && l.Contains("device cpu, cpu,", StringComparison.Ordinal));
        Assert.Contains("trainer-slots = \"2\"", File.ReadAllText(Path.Combine(two, "config.conf")), StringComparison.Ordinal);
        Assert.Contains(Metrics(one), r => r.StartsWith("1,heads,fl+ssl,textures,textures,acc1,", StringComparison.Ordinal));
        Assert.Contains(Metrics(one), r => r.StartsWith("1,supervised,cl,central-shapes,shapes,acc1,", StringComparison.Ordinal));
        Assert.Equal(File.ReadAllBytes(Path.Combine(one, "metrics.csv")), File.ReadAllBytes(Path.Combine(two, "metrics.csv")));
    }

    [Fact]
    public void Federated_run_in_bf16_must_complete_with_finite_metrics_that_differ_from_fp32()
    {
        using var dir = new TempDir();
        var (fp32, _) = RunSmallest(dir, "fp32", "fedactors.arms=[\"fl+ssl\"]");
        var (bf16, _) = RunSmallest(dir, "bf16", "fedactors.arms=[\"fl+ssl\"]", "fedactors.precision=bf16");

        Assert.True(File.Exists(Path.Combine(bf16, "summary.json")), "the bf16 run wrote no summary");
        Assert.Contains("precision = \"bf16\"", File.ReadAllText(Path.Combine(bf16, "config.conf")), StringComparison.Ordinal);
        var rows = Metrics(bf16).Skip(1).Select(r => r.Split(',')).ToList();
        var expected = Metrics(fp32).Skip(1).Select(r => r.Split(',')).ToList();
        // The same rows (both phases, both clients, evaluation included), every value finite and accuracies in [0, 1] ...
        Assert.Equal(expected.Select(r => string.Join(",", r[..6])), rows.Select(r => string.Join(",", r[..6])));
        Assert.Contains(rows, r => r[1] == "heads" && r[5] == "acc1");
        Assert.All(rows, r => Assert.True(double.IsFinite(double.Parse(r[6], System.Globalization.CultureInfo.InvariantCulture)), string.Join(",", r)));
        Assert.All(rows.Where(r => r[5] is "acc1" or "acc5" or "fit_acc1"), r => Assert.InRange(double.Parse(r[6], System.Globalization.CultureInfo.InvariantCulture), 0, 1));
        // ... but not the fp32 values: the SimCLR losses were computed in bf16.
        var simclrLoss = (List<string[]> run) => run.Where(r => r[1] == "simclr" && r[5] == "fit_loss").Select(r => r[6]).ToList();
        Assert.NotEqual(simclrLoss(expected), simclrLoss(rows));
    }

    private sealed class ListOutput(List<string> lines) : IRunOutput
    {
        public void Line(string text) => lines.Add(text);
    }
}
