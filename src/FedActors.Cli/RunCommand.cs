using System.CommandLine;
using FedActors.Hosting;
using FedActors.Hosting.Configuration;

namespace FedActors.Cli;

/// <summary><c>fedactors run [--config F]... [--set k=v]... [--out DIR] [--seed N]</c>.</summary>
public static class RunCommand
{
    public static Command Create(ICliConsole console)
    {
        var config = new Option<string[]>("--config", "-c")
        {
            Description = "HOCON file layered over the embedded defaults (repeatable; later files win).",
            AllowMultipleArgumentsPerToken = false,
        };
        var set = new Option<string[]>("--set")
        {
            Description = "Override one key, e.g. --set fedactors.simclr.rounds=5 (repeatable; wins over files).",
            AllowMultipleArgumentsPerToken = false,
        };
        var output = new Option<string?>("--out") { Description = "Run folder (default runs/<timestamp>)." };
        var seed = new Option<long?>("--seed") { Description = "Run seed (same as --set fedactors.seed=N)." };
        var command = new Command("run", "Run the configured experiment (default: the embedded synthetic demo).")
        {
            config, set, output, seed,
        };
        command.SetAction(parse => Execute(
            new RunRequest(parse.GetValue(config) ?? [], parse.GetValue(set) ?? [], parse.GetValue(output), parse.GetValue(seed)),
            console));
        return command;
    }

    public static int Execute(RunRequest request, ICliConsole console) =>
        Guarded(console, output => RunLauncher.RunAsync(request, output));

    /// <summary>Runs <paramref name="run"/> with live progress; bad input and failures become a one-line error and an exit code.</summary>
    public static int Guarded(ICliConsole console, Func<IRunOutput, Task> run)
    {
        try
        {
            var output = SpectreRunOutput.Create(console.Out);
            try
            {
                run(output).GetAwaiter().GetResult();
            }
            finally
            {
                // Take a live progress display down before an error is written to stderr.
                (output as IDisposable)?.Dispose();
            }
            return 0;
        }
        catch (ConfigException ex)
        {
            return Fail(console, ex.Message, CliApp.BadInput);
        }
        catch (Exception ex) when (IsBadInput(ex))
        {
            return Fail(console, ex.Message, CliApp.BadInput);
        }
        catch (Exception ex) when (ex is FedActors.Engine.RoundFailedException or InvalidOperationException or IOException or InvalidDataException
            or TimeoutException)
        {
            return Fail(console, ex.Message, CliApp.RunFailed);
        }
        catch (OperationCanceledException)
        {
            return Fail(console, "stopped before the run ended; its run folder keeps the checkpoint of the last finished round, if any", CliApp.RunFailed);
        }
    }

    private static bool IsBadInput(Exception ex) => ex is ArgumentException or FileNotFoundException or DirectoryNotFoundException
        || ex.GetType().Name == "DatasetException";

    private static int Fail(ICliConsole console, string message, int code)
    {
        var oneLine = message.ReplaceLineEndings(" ").Trim();
        console.Error.WriteLine($"fedactors: error: {oneLine}");
        return code;
    }
}
