using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using FedActors.Cluster;
using FedActors.Core;
using FedActors.Core.Strategies;
using FedActors.Engine;

namespace FedActors.Bench;

/// <summary>
/// Seconds per round of the engine itself, comparable with other frameworks' round benchmarks: N clients whose fit
/// returns its input weights with every float changed (a real update of P floats, no training), aggregated by
/// FedAvg, for R rounds. In one process (<c>--nodes 0</c>), or as a local cluster: this process is the coordinator
/// (control over Akka.Remote, weights over the data plane, as in a real run) and K child processes are client nodes
/// hosting N/K clients each. Prints the median seconds per round over rounds 2..R and the peak RSS of every process;
/// with <c>--rss-every M</c> also the resident memory of every process after every M-th round (the series of a long
/// run: what the data planes hold must not grow).
/// </summary>
internal static class RoundsFigure
{
    private const string Ready = "ready";

    public static void Run(BenchOptions options)
    {
        var rounds = options.Int("rounds", 10);
        var nodes = options.Int("nodes", 0);
        var rssEvery = options.Int("rss-every", 0);
        var slots = options.Int("slots", 0);
        foreach (var clients in options.Ints("clients", 10))
        {
            foreach (var parameters in options.Longs("params", 1_000_000))
            {
                var result = nodes == 0
                    ? InProcess(clients, parameters, rounds, slots, rssEvery)
                    : Cluster(clients, parameters, rounds, nodes, slots, rssEvery);
                Console.WriteLine(result);
            }
        }
    }

    private static string InProcess(int count, long parameters, int rounds, int slots, int rssEvery)
    {
        var clients = Enumerable.Range(0, count).Select(i => (IFederatedClient)new ShiftingClient(ClientId(i))).ToList();
        using var system = ActorSystem.Create("rounds", "akka.loglevel = WARNING");
        var (perRound, series) = Measure(system, clients, parameters, rounds, slots == 0 ? Environment.ProcessorCount : slots, rssEvery, []);
        return Line("in-process", count, parameters, rounds, perRound, [("this process", ChildProcess.StatusMiB("VmHWM"))], series);
    }

    private static string Cluster(int count, long parameters, int rounds, int nodes, int slots, int rssEvery)
    {
        using var system = FedActorsNode.Create(NodeConfig("coordinator", ""), "fedactors-bench");
        var seed = Akka.Cluster.Cluster.Get(system).SelfAddress.ToString();
        var children = Enumerable.Range(0, nodes)
            .Select(k => StartNode(seed, Enumerable.Range(0, count).Where(i => i % nodes == k).Select(ClientId)))
            .ToList();
        try
        {
            var clients = ClusterCoordinator.WaitForClientsAsync(system, count, TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
            // Each remote client holds a trainer slot while its node works: one per client lets all work at once.
            var (perRound, series) = Measure(system, clients, parameters, rounds, slots == 0 ? count : slots, rssEvery, children);
            var peaks = new List<(string, double)> { ("coordinator", ChildProcess.StatusMiB("VmHWM")) };
            for (var k = 0; k < children.Count; k++) peaks.Add(($"client node {k + 1}", PeakOf(children[k])));
            return Line($"{nodes} client node(s)", count, parameters, rounds, perRound, peaks, series);
        }
        finally
        {
            foreach (var child in children) Stop(child);
            system.Terminate().Wait(TimeSpan.FromSeconds(20));
        }
    }

    /// <summary>A client node: hosts its clients until its standard input closes, then prints its peak RSS.</summary>
    public static void RunNode(BenchOptions options)
    {
        var clients = options.Get("client-ids", "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(id => (IFederatedClient)new ShiftingClient(id)).ToList();
        using var system = FedActorsNode.Create(NodeConfig("client", options.Get("seed-node", "")), "fedactors-bench");
        ClientNode.Host(system, clients);
        Console.WriteLine(Ready);
        Console.Out.Flush();
        Console.In.ReadToEnd();
        Console.WriteLine(ChildProcess.StatusMiB("VmHWM").ToString("F0", CultureInfo.InvariantCulture));
        system.Terminate().Wait(TimeSpan.FromSeconds(20));
    }

    private static (double PerRound, List<string> Series) Measure(
        ActorSystem system, IReadOnlyList<IFederatedClient> clients, long parameters, int rounds, int slots, int rssEvery, List<Process> children)
    {
        var initial = Model(parameters);
        var plan = new ExperimentPlan("rounds", [new PhasePlan(Phases.SimClr, rounds, new Dictionary<string, string>(), false)], initial);
        var settings = EngineSettings.Default with { TrainerSlots = slots, RoundTimeout = TimeSpan.FromMinutes(30) };
        var marks = new List<long> { Stopwatch.GetTimestamp() };
        var series = new List<string>();
        Experiment.RunAsync(system, plan, clients, new FedAvg(), settings, report =>
        {
            marks.Add(Stopwatch.GetTimestamp());
            if (rssEvery > 0 && report.Round % rssEvery == 0)
            {
                var rss = new[] { ChildProcess.StatusMiB("VmRSS") }.Concat(children.Select(c => ChildProcess.StatusMiB("VmRSS", c.Id)));
                series.Add($"round {report.Round}: " + string.Join(" / ", rss.Select(r => r.ToString("F0", CultureInfo.InvariantCulture))) + " MiB");
            }
        }).GetAwaiter().GetResult();
        var durations = marks.Zip(marks.Skip(1)).Skip(1).Select(p => Stopwatch.GetElapsedTime(p.First, p.Second).TotalSeconds).Order().ToList();
        var median = durations.Count == 0 ? double.NaN : durations[durations.Count / 2];
        return (median, series);
    }

    private static string Line(string where, int clients, long parameters, int rounds, double perRound, List<(string Who, double MiB)> peaks, List<string> series)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"rounds: {where}, {clients} clients, {parameters / 1e6:G4} M floats, {rounds} rounds: {perRound:F3} s/round (median of rounds 2..{rounds}); peak RSS ")
            + string.Join(", ", peaks.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Who} {p.MiB:F0} MiB")));
        if (series.Count > 0) text += "\n  resident (" + string.Join(" / ", peaks.Select(p => p.Who)) + "):\n  " + string.Join("\n  ", series);
        return text;
    }

    private static ModelWeights Model(long parameters)
    {
        // ResNet-like: a few large tensors and many small ones, the last taking the remainder.
        var tensors = new List<NamedTensor>();
        long left = parameters;
        for (var i = 0; left > 0; i++)
        {
            var size = (int)Math.Min(left, i % 4 == 3 ? 512 : Math.Max(1, parameters / 20));
            tensors.Add(new NamedTensor($"backbone.t{i}", [size], new float[size]));
            left -= size;
        }
        return new ModelWeights(tensors);
    }

    private static string ClientId(int i) => $"client-{i:D3}";

    private static Config NodeConfig(string role, string seed) => ConfigurationFactory.ParseString($$"""
        fedactors.cluster { role = {{role}}, seed-nodes = [{{(seed.Length == 0 ? "" : $"\"{seed}\"")}}], wait-for-clients = 2m }
        akka.loglevel = OFF
        akka.stdout-loglevel = OFF
        akka.cluster.log-info = off
        akka.remote.log-remote-lifecycle-events = off
        """);

    private static Process StartNode(string seed, IEnumerable<string> clientIds)
    {
        var process = ChildProcess.StartSelf(["--figure", "rounds-node", "--seed-node", seed, "--client-ids", string.Join(",", clientIds)]);
        if (process.StandardOutput.ReadLine() != Ready) throw new InvalidOperationException("a client node did not start");
        return process;
    }

    private static double PeakOf(Process child)
    {
        child.StandardInput.Close();
        var line = child.StandardOutput.ReadLine();
        return double.Parse(line ?? "nan", CultureInfo.InvariantCulture);
    }

    private static void Stop(Process child)
    {
        try
        {
            child.StandardInput.Close();
            if (!child.WaitForExit(TimeSpan.FromSeconds(30))) child.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // already gone
        }
        child.Dispose();
    }

    /// <summary>Answers every fit with the global plus a small shift on every float: a real update, no training.</summary>
    private sealed class ShiftingClient(string id) : IFederatedClient
    {
        public string Id => id;
        public string Task => "task";

        public FitRes Fit(FitIns instructions, CancellationToken cancellation)
        {
            var shifted = instructions.Global.Select(t =>
            {
                var data = FreshMemory.Floats(t.Data.Length);
                System.Numerics.Tensors.TensorPrimitives.Add(t.Data, 1e-3f, data);
                return new NamedTensor(t.Name, t.Shape, data);
            });
            return new FitRes(Id, instructions.Round, new ModelWeights(shifted), 1, new Dictionary<string, double>());
        }

        public EvaluateRes Evaluate(EvaluateIns instructions, CancellationToken cancellation) =>
            new(Id, instructions.Round, 1, new Dictionary<string, double>());
    }
}
