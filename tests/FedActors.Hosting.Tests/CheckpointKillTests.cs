using FedActors.Hosting.Configuration;

namespace FedActors.Hosting.Tests;

/// <summary>
/// A run stopped at each write its resume state depends on, in turn, and then resumed, must finish with the files an
/// uninterrupted run writes, byte for byte, wherever the stop landed.
/// </summary>
[Collection("torch")]
public sealed class CheckpointKillTests
{
    /// <summary>One client, both SSL arms: SimCLR rounds, a phase change, a stage that starts from SimCLR weights, two arms.</summary>
    private static readonly string[] Tiny =
    [
        "fedactors.torch-threads=1",
        "fedactors.data.clients=[{ id = textures, task = textures, images = 64 }]",
        "fedactors.arms=[\"cl+ssl\", \"fl+ssl\"]",
        "fedactors.simclr.rounds=2",
        "fedactors.simclr.local-epochs=1",
        "fedactors.simclr.batch-size=16",
        "fedactors.simclr.knn.every=1",
        "fedactors.heads.rounds=2",
        "fedactors.heads.local-epochs=1",
        "fedactors.heads.batch-size=16",
        "fedactors.model.width=0.0625",
        "fedactors.evaluation.batch-size=64",
    ];

    /// <summary>FedAdam (server state in the checkpoint) in SimCLR, FedProx (a client-side term) in the heads phase.</summary>
    private static readonly string[] ServerOptimiser =
    [
        "fedactors.arms=[\"fl+ssl\"]",
        "fedactors.strategy.name=fedadam",
        "fedactors.strategy.eta=0.01",
        "fedactors.heads-strategy.name=fedprox",
        "fedactors.heads-strategy.mu=0.5",
    ];

    [Fact]
    public Task Run_stopped_at_any_checkpoint_write_must_resume_to_the_uninterrupted_result() => StopEverywhereAndResume([]);

    [Fact]
    public Task Run_with_a_server_optimiser_stopped_anywhere_must_resume_to_the_uninterrupted_result() => StopEverywhereAndResume(ServerOptimiser);

    private static async Task StopEverywhereAndResume(string[] extra)
    {
        using var dir = new TempDir();
        var whole = Path.Combine(dir.Path, "whole");
        var steps = new List<CheckpointStep>();
        await Start(whole, steps.Add, extra);
        Assert.Contains(CheckpointStep.RoundStateWritten, steps);
        Assert.Contains(CheckpointStep.ArmStateWritten, steps);

        var failures = new List<string>();
        // Every write of the uninterrupted run in turn, except the very last (the run has nothing left to resume).
        for (var stopAt = 0; stopAt < steps.Count - 1; stopAt++)
        {
            var killed = Path.Combine(dir.Path, $"killed-{stopAt}");
            var seen = 0;
            var at = stopAt;
            // Thrown from inside a round, the stop reaches us wrapped by the coordinator.
            var stop = await Record.ExceptionAsync(() => Start(killed, step =>
            {
                if (seen++ == at) throw new SimulatedKill();
            }, extra));
            Assert.True(IsKill(stop), $"the run meant to stop after write {stopAt} ended with {stop?.ToString() ?? "no exception"}");
            Assert.False(File.Exists(Path.Combine(killed, "summary.json")), $"the run stopped at write {stopAt} ({steps[stopAt]}) finished anyway");

            await RunLauncher.ResumeAsync(killed, new ListOutput([]));
            foreach (var file in Outputs(whole))
            {
                if (!File.ReadAllBytes(Path.Combine(whole, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(killed, file))))
                    failures.Add($"stopped after write {stopAt} ({steps[stopAt]}): {file} differs from the uninterrupted run's");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Files of a finished run that are fixed by the seed: metrics.csv and every final weights file.</summary>
    private static IEnumerable<string> Outputs(string runDir) =>
        Directory.EnumerateFiles(Path.Combine(runDir, "weights")).Select(f => Path.Combine("weights", Path.GetFileName(f))).Order(StringComparer.Ordinal)
            .Prepend("metrics.csv");

    private static async Task Start(string runDir, Action<CheckpointStep> afterWrite, string[] extra)
    {
        var request = new RunRequest([], [.. Tiny, .. extra], runDir, Seed: 7);
        var (loaded, settings) = RunLauncher.Prepare(request);
        var runner = new ExperimentRunner(settings, new ListOutput([]), runDir) { AfterWrite = afterWrite };
        await runner.RunAsync(HoconWriter.Write(loaded.Config, ConfigLoader.Reference()), loaded.Config.WithFallback(RunLauncher.AkkaDefaults));
    }

    private static bool IsKill(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SimulatedKill) return true;
        }
        return false;
    }

    private sealed class SimulatedKill : Exception
    {
        public SimulatedKill() : base("simulated kill") { }
    }

    private sealed class ListOutput(List<string> lines) : IRunOutput
    {
        public void Line(string text) => lines.Add(text);
    }
}
