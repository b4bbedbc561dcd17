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
    private static readonly Config AkkaDefaults = ConfigurationFactory.ParseString("""
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
        var runDir = RunDirectory(request, settings, DateTime.Now);
        if (Directory.Exists(runDir) && Directory.EnumerateFileSystemEntries(runDir).Any())
            throw new ConfigException($"run folder '{runDir}' already exists and is not empty; pick another --out");
        output.Line($"run folder: {runDir}");
        var resolved = HoconWriter.Write(loaded.Config, ConfigLoader.Reference());
        var runner = new ExperimentRunner(settings, output);
        var summary = await runner.RunAsync(runDir, resolved, loaded.Config.WithFallback(AkkaDefaults), ct).ConfigureAwait(false);
        output.Line("");
        output.Line("Acc@1 (%), evaluated on each client's " + settings.Data.EvalSplit + " split:");
        foreach (var line in SummaryWriter.Table(summary).TrimEnd('\n').Split('\n')) output.Line(line);
        output.Line(string.Format(CultureInfo.InvariantCulture, "wall time {0:F1}s; results in {1}", summary.WallSeconds, runDir));
        return summary;
    }
}
