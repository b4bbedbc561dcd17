using System.CommandLine;
using System.Runtime.InteropServices;
using FedActors.Hosting;

namespace FedActors.Cli;

/// <summary>
/// <c>fedactors node --role coordinator|client [--config F]... [--set k=v]... [--seed-nodes A]... [--hostname H] [--port P]
/// [--clients K/N] [--resume DIR] [--out DIR] [--seed N]</c>: one node of a cluster. SIGTERM or Ctrl+C makes it leave the cluster gracefully.
/// </summary>
public static class NodeCommand
{
    public static Command Create(ICliConsole console)
    {
        var role = new Option<string>("--role")
        {
            Required = true,
            HelpName = "coordinator|client",
            Description = "coordinator runs the experiment (like `run`) over the clients that client nodes host; client hosts this node's clients (fedactors.data.clients) and their local data.",
        };
        role.AcceptOnlyFromAmong("coordinator", "client");
        var config = new Option<string[]>("--config", "-c")
        {
            Description = "HOCON file layered over the embedded defaults (repeatable; later files win), e.g. the experiment and hocon/cluster-*.conf.",
            AllowMultipleArgumentsPerToken = false,
        };
        var set = new Option<string[]>("--set")
        {
            Description = "Override one key, e.g. --set fedactors.device=cuda:1 (repeatable; wins over files).",
            AllowMultipleArgumentsPerToken = false,
        };
        var seedNodes = new Option<string[]>("--seed-nodes")
        {
            HelpName = "akka.tcp://fedactors@host:port",
            Description = "Seed node addresses, repeatable or comma-separated (fedactors.cluster.seed-nodes): the coordinator's address on a client node.",
            AllowMultipleArgumentsPerToken = true,
        };
        var hostname = new Option<string?>("--hostname") { Description = "Address this node binds to and advertises (fedactors.cluster.hostname)." };
        var port = new Option<int?>("--port") { Description = "Akka.Remote port; 0 = ephemeral (fedactors.cluster.port)." };
        var share = new Option<string?>("--clients")
        {
            HelpName = "K/N",
            Description = "Client node: host only every N-th client of fedactors.data.clients (in id order), starting with the K-th; N nodes given 1/N..N/N host each client once.",
        };
        var resume = new Option<string?>("--resume")
        {
            HelpName = "run-dir",
            Description = "Coordinator: continue this run folder from its last checkpoint (a killed coordinator); client nodes start as before.",
        };
        var output = new Option<string?>("--out") { Description = "Run folder of the coordinator (default runs/<timestamp>)." };
        var seed = new Option<long?>("--seed") { Description = "Run seed (same as --set fedactors.seed=N); every node needs the same." };
        var command = new Command("node", "Run one node of a FedActors cluster: the coordinator or a client node.")
        {
            role, config, set, seedNodes, hostname, port, share, resume, output, seed,
        };
        command.SetAction(parse => Execute(
            () => new NodeRequest(
                new RunRequest(parse.GetValue(config) ?? [], parse.GetValue(set) ?? [], parse.GetValue(output), parse.GetValue(seed)),
                parse.GetValue(role)!,
                SplitSeeds(parse.GetValue(seedNodes) ?? []),
                parse.GetValue(hostname),
                parse.GetValue(port),
                parse.GetValue(share) is { } k ? ClientShare.Parse(k) : null,
                parse.GetValue(resume)),
            console));
        return command;
    }

    /// <summary>Runs the node; the first SIGTERM or SIGINT asks it to stop (a client leaves the cluster, a coordinator ends its run), a second one kills it.</summary>
    public static int Execute(Func<NodeRequest> request, ICliConsole console)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext signal)
        {
            if (stop.IsCancellationRequested) return;
            signal.Cancel = true;
            stop.Cancel();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        return RunCommand.Guarded(console, output => NodeLauncher.RunAsync(request(), output, stop.Token));
    }

    private static List<string> SplitSeeds(IEnumerable<string> values) =>
        [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
}
