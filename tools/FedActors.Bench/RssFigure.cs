using System.Diagnostics;
using Akka.Actor;
using FedActors.Core;
using FedActors.Core.Strategies;
using FedActors.Data;
using FedActors.Engine;
using FedActors.Learning;
using FedActors.Learning.Models;
using FedActors.Learning.Training;
using static TorchSharp.torch;

namespace FedActors.Bench;

/// <summary>
/// Peak RSS (VmHWM) of one SimCLR round of N simulated ResNet18 clients at 32 px (CIFAR stem), each with 8
/// unlabeled images and one local step of batch 8, through the real engine on <c>--slots</c> trainer threads,
/// every count in its own process. <c>--pool shared</c> (default): the clients share one <see cref="NetworkPool"/>;
/// <c>--pool private</c>: each client keeps its own network, as before the pool.
/// </summary>
internal static class RssFigure
{
    public static void Run(BenchOptions options)
    {
        var pool = options.Get("pool", "shared");
        var slots = options.Int("slots", 2);
        Console.WriteLine($"rss: ResNet18 32 px, 1 SimCLR round, 1 step of batch 8 per client, {slots} trainer slots, {pool} network pool");
        foreach (var count in options.Ints("clients", 10, 50, 100))
        {
            var line = ChildProcess.RunSelf(["--figure", "rss-child", "--clients", $"{count}", "--slots", $"{slots}", "--pool", pool]);
            Console.WriteLine($"  {line}");
        }
    }

    public static void RunChild(BenchOptions options)
    {
        var count = options.Int("clients", 10);
        var slots = options.Int("slots", 2);
        var shared = options.Get("pool", "shared") == "shared";
        TorchRuntime.Configure(Math.Max(1, Environment.ProcessorCount / slots));
        var clock = Stopwatch.StartNew();
        var baseline = ChildProcess.StatusMiB("VmHWM");

        var spec = new BackboneSpec { Architecture = ResNetArchitecture.ResNet18, Stem = StemKind.Small };
        var settings = new LearningSettings { SimClr = new PhaseSettings { BatchSize = 8, LocalEpochs = 1 } };
        using var networks = new NetworkPool();
        var clients = Enumerable.Range(0, count)
            .Select(i => new TorchClient(Shard(i), spec, settings, runSeed: 1, CPU, shared ? networks : null))
            .ToList();
        var initial = ModelFactory.InitialGlobal(spec, new Dictionary<string, int> { ["task"] = 10 }, seed: 1);
        var plan = new ExperimentPlan("rss", [new PhasePlan(Phases.SimClr, 1, new Dictionary<string, string> { ["total-rounds"] = "1" }, false)], initial);
        using (var system = ActorSystem.Create("rss", "akka.loglevel = WARNING"))
        {
            var engine = EngineSettings.Default with { TrainerSlots = slots, RoundTimeout = TimeSpan.FromHours(1) };
            Experiment.RunAsync(system, plan, clients, new FedAvg(), engine).GetAwaiter().GetResult();
            system.Terminate().Wait();
        }
        var networksBuilt = shared ? networks.Created : count;
        foreach (var client in clients) client.Dispose();
        Console.WriteLine(
            $"{count,3} clients: peak RSS {ChildProcess.StatusMiB("VmHWM"),7:F0} MiB (at start {baseline:F0} MiB), " +
            $"model {initial.ByteSize / 1048576.0:F0} MiB, networks built {networksBuilt}, {clock.Elapsed.TotalSeconds:F0} s");
    }

    private static ClientData Shard(int client)
    {
        var random = new Random(client);
        ImageDataset Images(string name, int n)
        {
            var pixels = new byte[n * 3 * 32 * 32];
            random.NextBytes(pixels);
            return new ImageDataset(name, Enumerable.Range(0, 10).Select(c => $"c{c}").ToArray(), 3, 32, 32, pixels,
                Enumerable.Range(0, n).Select(i => i % 10).ToArray());
        }
        return new ClientData($"client-{client:D3}", "task", Images("labeled", 8), Images("unlabeled", 8), Images("evaluation", 8));
    }
}
