using System.CommandLine;
using FedActors.Hosting;

namespace FedActors.Cli;

/// <summary><c>fedactors resume &lt;run-dir&gt;</c>: continue a killed run from its last checkpoint.</summary>
public static class ResumeCommand
{
    public static Command Create(ICliConsole console)
    {
        var runDir = new Argument<string>("run-dir") { Description = "The run folder of the interrupted run." };
        var command = new Command("resume", "Continue an interrupted run from the checkpoint written after its last finished round.")
        {
            runDir,
        };
        command.SetAction(parse => RunCommand.Guarded(console, output => RunLauncher.ResumeAsync(parse.GetValue(runDir)!, output)));
        return command;
    }
}
