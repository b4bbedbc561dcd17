using System.Diagnostics;
using FedActors.Hosting;

namespace FedActors.Cli.Tests;

[CollectionDefinition("torch", DisableParallelization = true)]
public sealed class TorchCollection;

/// <summary>A run killed with SIGKILL and resumed writes the metrics an uninterrupted run writes.</summary>
[Collection("torch")]
public sealed class ResumeTests
{
    private static readonly string[] Tiny =
    [
        "--seed", "5",
        "--set", "fedactors.torch-threads=1",
        "--set", "fedactors.data.synthetic.images-per-client=300",
        "--set", "fedactors.arms=[\"fl+ssl\", cl]",
        "--set", "fedactors.simclr.rounds=3",
        "--set", "fedactors.simclr.local-epochs=1",
        "--set", "fedactors.heads.rounds=3",
        "--set", "fedactors.supervised.rounds=3",
        "--set", "fedactors.model.width=0.125",
    ];

    /// <summary>FedAvg; and FedAdam (server state in the checkpoint) in SimCLR with FedProx (a client-side term) in the heads.</summary>
    public static TheoryData<string[]> Strategies => new()
    {
        Array.Empty<string>(),
        new[]
        {
            "--set", "fedactors.strategy.name=fedadam", "--set", "fedactors.strategy.eta=0.01",
            "--set", "fedactors.heads-strategy.name=fedprox", "--set", "fedactors.heads-strategy.mu=0.5",
        },
    };

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task Resumed_run_after_SIGKILL_must_write_byte_identical_metrics(string[] strategy)
    {
        var root = Directory.CreateTempSubdirectory("fedactors-resume-").FullName;
        try
        {
            var whole = Path.Combine(root, "whole");
            var killed = Path.Combine(root, "killed");
            using (var run = CliProcess.Start(["run", "--out", whole, .. Tiny, .. strategy], Path.Combine(root, "whole.log")))
            {
                Assert.True(run.WaitForExit(TimeSpan.FromMinutes(4)), "uninterrupted run did not finish in 4 minutes");
                Assert.Equal(0, run.ExitCode);
            }

            // SimCLR's three rounds, then the process SIGKILLs itself right after its 4th round checkpoint: the federated
            // arm's first heads round (polling the checkpoint from here instead could see the run end before the kill).
            using (var run = CliProcess.Start(
                ["run", "--out", killed, .. Tiny, .. strategy], Path.Combine(root, "killed.log"), environment: new Dictionary<string, string> { [KillSwitch.Variable] = "4" }))
            {
                Assert.True(run.WaitForExit(TimeSpan.FromMinutes(4)), "the run to be killed did not end in 4 minutes; see killed.log");
                Assert.True(run.ExitCode == 128 + 9, $"the run ended with exit code {run.ExitCode} rather than by the SIGKILL; see killed.log");
            }
            Assert.True(Checkpoint.Read(killed) is { ArmIndex: 0, PhaseIndex: 1, RoundsDone: 1 }, "the checkpoint is not that of the first heads round");
            // The kill landed in the middle of the run: no summary, and a metrics.csv holding the first part of the
            // uninterrupted run's rows only (complete rows; a row being written when the kill came may be cut).
            Assert.False(File.Exists(Path.Combine(killed, "summary.json")), "the killed run finished anyway");
            var wholeRows = File.ReadAllLines(Path.Combine(whole, "metrics.csv"));
            var killedRows = File.ReadAllText(Path.Combine(killed, "metrics.csv")).Split('\n')[..^1];
            Assert.InRange(killedRows.Length, 2, wholeRows.Length - 1);
            Assert.Equal(wholeRows.Take(killedRows.Length), killedRows);

            var lines = new List<string>();
            var summary = await RunLauncher.ResumeAsync(killed, new ListOutput(lines));

            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "metrics.csv")), File.ReadAllBytes(Path.Combine(killed, "metrics.csv")));
            Assert.Equal(2, summary.Arms.Count);
            Assert.Contains(lines, l => l.StartsWith("resuming", StringComparison.Ordinal));
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
        }
    }

    [Fact]
    public void Resume_of_a_folder_without_checkpoint_must_fail_with_a_clear_reason()
    {
        var dir = Directory.CreateTempSubdirectory("fedactors-nockpt-").FullName;
        try
        {
            var error = new StringWriter();
            var code = CliApp.Run(["resume", dir], new TestConsole(new StringWriter(), error));
            Assert.Equal(CliApp.BadInput, code);
            Assert.Contains("config.conf", error.ToString(), StringComparison.Ordinal);
            Assert.Single(error.ToString().Trim().Split('\n'));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class ListOutput(List<string> lines) : IRunOutput
    {
        public void Line(string text) => lines.Add(text);
    }
}
