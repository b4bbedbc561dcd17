using System.CommandLine;

namespace FedActors.Cli;

/// <summary>The <c>fedactors</c> command tree.</summary>
public static class CliApp
{
    /// <summary>Exit code for bad input (configuration, arguments, data files).</summary>
    public const int BadInput = 2;

    /// <summary>Exit code for a run that started but failed (e.g. a round missed its quorum).</summary>
    public const int RunFailed = 1;

    public static int Run(string[] args, ICliConsole console)
    {
        var root = new RootCommand("FedActors: federated self-supervised learning on Akka.NET actors and TorchSharp.")
        {
            RunCommand.Create(console),
            ResumeCommand.Create(console),
            NodeCommand.Create(console),
            ExportCommand.Create(console),
            ReportCommand.Create(console),
        };
        var invocation = new InvocationConfiguration { Output = console.Out, Error = console.Error };
        return root.Parse(args).Invoke(invocation);
    }
}
