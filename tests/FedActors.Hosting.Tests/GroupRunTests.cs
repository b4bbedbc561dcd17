using System.Text.Json;
using FedActors.Hosting.Configuration;

namespace FedActors.Hosting.Tests;

/// <summary>Runs over client groups: partitions, the simulated clock, per-client results and fairness.</summary>
[Collection("torch")]
public sealed class GroupRunTests
{
    private static readonly string[] Groups =
    [
        "fedactors.torch-threads=1",
        "fedactors.data.clients=[]",
        "fedactors.data.groups=[" +
            "{ group = s, count = 4, task = shapes, images = 320, partition = dirichlet, alpha = 0.5, min-images = 20," +
            "  device { profile = tiers, tiers = [{ share = 0.5, speed = 1.0, bandwidth-mbps = 10 }, { share = 0.5, speed = 4.0, bandwidth-mbps = 100 }] } }," +
            "{ group = t, count = 3, task = textures, images = 240, partition = quantity, sigma = 1.0, min-images = 30 }]",
        "fedactors.arms=[cl, fl]",
        "fedactors.supervised.rounds=2",
        "fedactors.supervised.local-epochs=1",
        "fedactors.supervised.batch-size=32",
        "fedactors.model.width=0.125",
        "fedactors.simulation.clock=on",
        "fedactors.simulation.targets=[{ task = textures, acc1 = 0.01 }, { task = shapes, acc1 = 0.99 }]",
    ];

    [Fact]
    public async Task Group_run_must_expand_partition_clock_and_report_every_client()
    {
        using var dir = new TempDir();
        var runDir = Path.Combine(dir.Path, "run");
        var lines = new List<string>();
        var summary = await RunLauncher.RunAsync(new RunRequest([], Groups, runDir, Seed: 4), new ListOutput(lines));

        // 4 + 3 clients, each with its own result in both arms (cl's pooled network scored on each client's split).
        foreach (var arm in new[] { "cl", "fl" })
        {
            Assert.Equal(["s-000", "s-001", "s-002", "s-003", "t-000", "t-001", "t-002"],
                summary.Arms.Single(a => a.Arm == arm).Clients.Select(c => c.Client).Order(StringComparer.Ordinal));
        }
        var fairness = summary.Fairness.Single(f => f.Arm == "fl" && f.Task == "shapes");
        Assert.Equal(4, fairness.Clients);
        Assert.True(fairness.Worst10 <= fairness.Mean && fairness.Mean <= fairness.Best10);

        // The simulated clock: rows for the federated arm only, growing round by round.
        var rows = Reporting.AccuracyCurves.ReadCsv(Path.Combine(runDir, "metrics.csv"));
        var clock = rows.Where(r => r.Metric == MetricsLog.SimulatedSeconds).ToList();
        Assert.Equal(["fl", "fl"], clock.Select(r => r.Arm));
        Assert.True(clock[1].Value > clock[0].Value && clock[0].Value > 0);

        var textures = summary.TimesToAccuracy.Single(t => t.Arm == "fl" && t.Task == "textures");
        Assert.Equal(1, textures.Round); // 1 % is reached at once
        Assert.Equal(clock[0].Value / 3600, textures.SimulatedHours!.Value, 9);
        Assert.Null(summary.TimesToAccuracy.Single(t => t.Arm == "fl" && t.Task == "shapes").Round); // 99 % is not

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "summary.json")));
        Assert.Equal(4, json.RootElement.GetProperty("fairness").GetArrayLength()); // 2 arms x 2 tasks
        foreach (var file in new[] { "clients.png", "partition-s.png", "partition-t.png" })
            Assert.True(File.Exists(Path.Combine(runDir, file)), $"{file} missing");
        Assert.Contains("## Fairness", File.ReadAllText(Path.Combine(runDir, "summary.md")), StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("data: 7 clients (s-000: shapes", StringComparison.Ordinal));
    }

    [Fact]
    public void Groups_must_be_refused_with_the_key_at_fault()
    {
        ConfigException Refused(string group) =>
            Assert.Throws<ConfigException>(() => RunLauncher.Prepare(new RunRequest([], [$"fedactors.data.groups=[{group}]"], null, null)));

        Assert.Contains("partition", Refused("{ group = g, task = shapes, partition = clusters }").Message, StringComparison.Ordinal);
        Assert.Contains("'shapes-000'", Assert.Throws<ConfigException>(() => RunLauncher.Prepare(new RunRequest([],
            ["fedactors.data.clients=[{ id = shapes-000, task = shapes }]", "fedactors.data.groups=[{ group = shapes, task = shapes, count = 2 }]"], null, null))).Message,
            StringComparison.Ordinal);
        Assert.Contains("device.profile", Refused("{ group = g, task = shapes, device { profile = fast } }").Message, StringComparison.Ordinal);
        Assert.Contains("natural", Refused("{ group = g, task = shapes, partition = natural }").Message, StringComparison.Ordinal);
    }

    private sealed class ListOutput(List<string> lines) : IRunOutput
    {
        public void Line(string text) => lines.Add(text);
    }
}
