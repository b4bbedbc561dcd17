namespace FedActors.Hosting.Reporting;

/// <summary>What a report reads from one finished run folder: its configuration and its final results.</summary>
public sealed record RunFolder(string Path, RunConfig Config, RunSummary Summary)
{
    public long Seed => Config.Seed;

    /// <summary>Whether its summary records each client's evaluated images (older summaries do not: tasks are then unweighted means).</summary>
    public bool ImagesKnown => Summary.Arms.SelectMany(a => a.Clients).All(c => c.Examples > 0);

    /// <summary>Reads <c>config.conf</c> and <c>summary.json</c>; <see cref="ReportException"/> names the folder or file at fault.</summary>
    public static RunFolder Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!Directory.Exists(path)) throw new ReportException($"'{path}' is not a folder");
        var config = System.IO.Path.Combine(path, "config.conf");
        if (!File.Exists(config)) throw new ReportException($"'{path}' is not a run folder: {config} not found");
        var summary = System.IO.Path.Combine(path, "summary.json");
        if (!File.Exists(summary))
            throw new ReportException($"'{path}' is an unfinished run: it has no summary.json (finish it with `fedactors resume {path}`)");
        var runConfig = RunConfig.Read(config);
        return new RunFolder(path, runConfig, SummaryReader.Read(summary, runConfig.BaselineArm));
    }
}
