using System.Text.Json;

namespace FedActors.Hosting.Tests;

[CollectionDefinition("torch", DisableParallelization = true)]
public sealed class TorchCollection;

/// <summary>Whole runs of a tiny configuration through the actors and TorchSharp.</summary>
[Collection("torch")]
public sealed class EndToEndTests
{
    /// <summary>Small enough for CI (~20 s per run on 2 cores), large enough to learn the texture task.</summary>
    private static readonly string[] Tiny =
    [
        "fedactors.torch-threads=1",
        "fedactors.data.synthetic.images-per-client=400",
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

    private sealed class ListOutput(List<string> lines) : IRunOutput
    {
        public void Line(string text) => lines.Add(text);
    }
}
