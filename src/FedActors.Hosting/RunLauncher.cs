using System.Globalization;
using Akka.Configuration;
using FedActors.Hosting.Configuration;

namespace FedActors.Hosting;

/// <summary>What <c>fedactors run</c> was asked to do.</summary>
public sealed record RunRequest(IReadOnlyList<string> ConfigFiles, IReadOnlyList<string> Sets, string? OutDir, long? Seed);

/// <summary>Loads and validates configuration, picks the run folder, runs the experiment, prints the table.</summary>
public static class RunLauncher
{
    /// <summary>Akka defaults for an in-process run: quiet logs, no dead-letter noise.</summary>
    public static readonly Config AkkaDefaults = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        """);

    /// <summary>Reads configuration; throws <see cref="ConfigException"/> on bad input.</summary>
    public static (LoadedConfig Loaded, RunSettings Settings) Prepare(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sets = request.Sets.ToList();
        if (request.Seed is { } seed) sets.Add("fedactors.seed=" + seed.ToString(CultureInfo.InvariantCulture));
        var loaded = ConfigLoader.Load(request.ConfigFiles, sets);
        return (loaded, RunSettings.Create(loaded));
    }

    public static string RunDirectory(RunRequest request, RunSettings settings, DateTime now)
    {
        if (!string.IsNullOrWhiteSpace(request.OutDir)) return request.OutDir;
        if (!string.IsNullOrWhiteSpace(settings.OutputDir)) return settings.OutputDir;
        return Path.Combine("runs", now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
    }

    public static async Task<RunSummary> RunAsync(RunRequest request, IRunOutput output, CancellationToken ct = default)
    {
        var (loaded, settings) = Prepare(request);
        var afterWrite = KillSwitch.FromEnvironment();
        var runDir = NewRunDirectory(request, settings, output);
        var resolved = HoconWriter.Write(loaded.Config, ConfigLoader.Reference());
        var runner = new ExperimentRunner(settings, output, runDir) { AfterWrite = afterWrite };
        var summary = await runner.RunAsync(resolved, loaded.Config.WithFallback(AkkaDefaults), null, ct).ConfigureAwait(false);
        Report(output, settings, runDir, summary);
        return summary;
    }

    /// <summary>The run folder of a new run, which must not hold anything yet; says which it is.</summary>
    internal static string NewRunDirectory(RunRequest request, RunSettings settings, IRunOutput output)
    {
        var runDir = RunDirectory(request, settings, DateTime.Now);
        if (Directory.Exists(runDir) && Directory.EnumerateFileSystemEntries(runDir).Any())
            throw new ConfigException($"run folder '{runDir}' already exists and is not empty; pick another --out");
        output.Line($"run folder: {runDir}");
        return runDir;
    }

    /// <summary>
    /// Continues a run that was killed: its <c>config.conf</c> and the checkpoint written after its last
    /// finished round (or, when it was killed before its first round ended, from the start). The finished run's
    /// metrics.csv equals that of an uninterrupted run with the seed.
    /// </summary>
    public static async Task<RunSummary> ResumeAsync(string runDir, IRunOutput output, CancellationToken ct = default)
    {
        var config = Path.Combine(runDir, "config.conf");
        if (!File.Exists(config)) throw new ConfigException($"'{runDir}' is not a run folder: {config} not found");
        var afterWrite = KillSwitch.FromEnvironment();
        var checkpoint = Checkpoint.Read(runDir);
        var (loaded, settings) = Prepare(new RunRequest([config], [], runDir, null));
        output.Line(checkpoint is null
            ? $"resuming {runDir}: it stopped before its first round ended (no {Checkpoint.PathIn(runDir)}), so it starts again from the first round"
            : $"resuming {runDir} at arm {checkpoint.ArmIndex + 1}/{settings.Arms.Count}, stage {checkpoint.StageIndex + 1}, after round {checkpoint.RoundsDone}");
        var runner = new ExperimentRunner(settings, output, runDir) { AfterWrite = afterWrite };
        var summary = await runner.RunAsync(null, loaded.Config.WithFallback(AkkaDefaults), checkpoint, ct).ConfigureAwait(false);
        Report(output, settings, runDir, summary);
        return summary;
    }

    internal static void Report(IRunOutput output, RunSettings settings, string runDir, RunSummary summary)
    {
        output.Line("");
        output.Line("Acc@1 (%), evaluated on each client's " + settings.Data.EvalSplit + " split:");
        foreach (var line in SummaryWriter.Table(summary).TrimEnd('\n').Split('\n')) output.Line(line);
        output.Line(string.Format(CultureInfo.InvariantCulture, "wall time {0:F1}s; results in {1}", summary.WallSeconds, runDir));
    }
}
