using System.Diagnostics;
using FedActors.Hosting.Tests;

namespace FedActors.Cli.Tests;

/// <summary><c>fedactors report</c> over run folders written by hand (<see cref="FakeRuns"/>; numbers worked out in SeedReportTests).</summary>
public sealed class ReportCommandTests
{
    [Fact]
    public void Report_must_print_the_tables_and_write_the_three_files()
    {
        using var dir = new TempDir();
        var runs = FakeRuns.ThreeSeeds(dir.Path);
        var outDir = Path.Combine(dir.Path, "out");
        var (code, stdout, stderr) = Report([.. runs, "--out", outDir]);

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("55.00 ± 10.00", stdout, StringComparison.Ordinal);
        Assert.Contains("+3.00 ± 9.17 (2/3)", stdout, StringComparison.Ordinal);
        foreach (var file in new[] { "report.md", "report.csv", "report.png" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), $"{file} missing");
            Assert.Contains(Path.Combine(outDir, file), stdout, StringComparison.Ordinal);
        }
        Assert.StartsWith(File.ReadAllText(Path.Combine(outDir, "report.md")), stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_of_different_configs_must_exit_2_naming_the_key_and_both_folders()
    {
        using var dir = new TempDir();
        var a = FakeRuns.Write(dir.Path, "a", 1, FakeRuns.Arms(0.5, 0.7, 0.6, 0.4, 0.8, 10, 20));
        var b = FakeRuns.Write(dir.Path, "b", 2, FakeRuns.Arms(0.5, 0.7, 0.6, 0.4, 0.8, 10, 20), "fedactors.simclr.rounds=3");
        var message = AssertBadInput([a, b, "--out", Path.Combine(dir.Path, "out")]);
        Assert.Contains("fedactors.simclr.rounds is '15'", message, StringComparison.Ordinal);
        Assert.Contains($"'{a}'", message, StringComparison.Ordinal);
        Assert.Contains($"but '3' in '{b}'", message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "out")), "a refused report wrote files");
    }

    [Fact]
    public void Unfinished_run_must_exit_2_naming_its_folder()
    {
        using var dir = new TempDir();
        var done = FakeRuns.Write(dir.Path, "done", 1, FakeRuns.Arms(0.5, 0.7, 0.6, 0.4, 0.8, 10, 20));
        var killed = FakeRuns.WriteConfig(Path.Combine(dir.Path, "killed"), 2);
        var message = AssertBadInput([done, killed, "--out", Path.Combine(dir.Path, "out")]);
        Assert.Contains($"'{killed}' is an unfinished run: it has no summary.json", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_runs_of_one_seed_must_exit_2_naming_both()
    {
        using var dir = new TempDir();
        var a = FakeRuns.Write(dir.Path, "a", 4, FakeRuns.Arms(0.5, 0.7, 0.6, 0.4, 0.8, 10, 20));
        var b = FakeRuns.Write(dir.Path, "b", 4, FakeRuns.Arms(0.6, 0.7, 0.6, 0.4, 0.8, 10, 20));
        var message = AssertBadInput([a, b, "--out", Path.Combine(dir.Path, "out")]);
        Assert.Contains($"'{a}' and '{b}' both ran arm cl with seed 4", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_without_out_must_write_into_report_under_the_current_folder()
    {
        using var dir = new TempDir();
        var runs = FakeRuns.ThreeSeeds(dir.Path);
        var cwd = Directory.CreateDirectory(Path.Combine(dir.Path, "cwd")).FullName;
        // The real program in its own process, so the test's own current folder stays as it is.
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliProcess.Dll);
        info.ArgumentList.Add("report");
        foreach (var run in runs) info.ArgumentList.Add(run);
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            Assert.Fail("fedactors report did not end in a minute");
        }
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");
        foreach (var file in new[] { "report.md", "report.csv", "report.png" })
            Assert.True(File.Exists(Path.Combine(cwd, "report", file)), $"{file} missing from ./report");
        Assert.Contains("55.00 ± 10.00", await stdout, StringComparison.Ordinal);
    }

    private static string AssertBadInput(string[] args)
    {
        var (code, stdout, stderr) = Report(args);
        Assert.Equal(CliApp.BadInput, code);
        Assert.Equal("", stdout);
        var text = stderr.Trim();
        Assert.Single(text.Split('\n'));
        Assert.StartsWith("fedactors: error: ", text, StringComparison.Ordinal);
        return text;
    }

    private static (int Code, string Stdout, string Stderr) Report(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run(["report", .. args], new TestConsole(output, error));
        return (code, output.ToString(), error.ToString());
    }
}
