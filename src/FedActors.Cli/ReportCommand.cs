using System.CommandLine;
using FedActors.Hosting.Reporting;

namespace FedActors.Cli;

/// <summary><c>fedactors report &lt;run-dir&gt;... [--out DIR]</c>: finished runs of one configuration over several seeds, in one table.</summary>
public static class ReportCommand
{
    /// <summary>Where the report's files go without <c>--out</c>, relative to the current folder.</summary>
    public const string DefaultOutDir = "report";

    public static Command Create(ICliConsole console)
    {
        var runDirs = new Argument<string[]>("run-dir")
        {
            Description = "Finished run folders (config.conf, summary.json) of one configuration, one per seed.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string?>("--out") { HelpName = "dir", Description = $"Folder for report.md, report.csv and report.png (default ./{DefaultOutDir}; earlier files there are replaced)." };
        var command = new Command("report", "Pool finished runs that differ only in seed (and in which arms they ran; a run of cl or fl alone in the SimCLR and heads settings it never reads): Acc@1 per arm and task as mean ± std, the delta vs the baseline arm paired by seed.")
        {
            runDirs, output,
        };
        command.SetAction(parse => Execute(parse.GetValue(runDirs)!, parse.GetValue(output), console));
        return command;
    }

    public static int Execute(IReadOnlyList<string> runDirs, string? outDir, ICliConsole console)
    {
        ArgumentNullException.ThrowIfNull(runDirs);
        SeedReport report;
        try
        {
            report = SeedReport.Create(runDirs.Select(RunFolder.Read).ToList());
        }
        catch (Exception ex) when (ex is ReportException or IOException or UnauthorizedAccessException)
        {
            return Fail(console, ex.Message, CliApp.BadInput);
        }
        console.Out.Write(SeedReportWriter.Markdown(report));
        try
        {
            var files = SeedReportWriter.WriteAsync(outDir ?? DefaultOutDir, report).GetAwaiter().GetResult();
            console.Out.WriteLine();
            console.Out.WriteLine($"report written: {string.Join(", ", files)}");
            return 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(console, ex.Message, CliApp.RunFailed);
        }
    }

    private static int Fail(ICliConsole console, string message, int code)
    {
        console.Error.WriteLine($"fedactors: error: {message.ReplaceLineEndings(" ").Trim()}");
        return code;
    }
}
