using System.Diagnostics;
using Akka.Actor;
using FedActors.Core;
using FedActors.Core.Strategies;
using FedActors.Engine;

namespace FedActors.Bench;

/// <summary>
/// Engine overhead: clients whose fit busy-spins a fixed time (default 20 ms) run through the real engine
/// (coordinator, round, client actors, trainer pool, FedAvg) and through a plain loop doing the same calls
/// and the same FedAvg on as many threads, without actors, in one process. Overhead of each =
/// (round wall - compute) / round wall, where compute = the wall time spent inside fits / slots (on a loaded
/// machine a fit overruns its spin when its thread is preempted at the end: that is compute, not overhead).
/// Round wall is measured between successive round reports (the first round, which also starts the actors, is
/// left out). Best of <c>--repeat</c> runs: on a shared machine the best run is the least disturbed.
/// </summary>
internal static class OverheadFigure
{
    public static void Run(BenchOptions options)
    {
        var counts = options.Ints("clients", 10, 50, 100);
        var slots = options.Int("slots", 1);
        var spin = TimeSpan.FromMilliseconds(options.Int("spin-ms", 20));
        var rounds = options.Int("rounds", 6);
        var repeat = options.Int("repeat", 3);
        var modelFloats = options.Int("model-floats", 100_000);
        Console.WriteLine($"overhead: {spin.TotalMilliseconds} ms busy-spin fits, {slots} trainer slot(s), {rounds} rounds " +
                          $"(first left out), model {modelFloats} floats, {Environment.ProcessorCount} cores, best of {repeat}");

        var initial = new ModelWeights([new NamedTensor("backbone.w", [modelFloats], new float[modelFloats])]);
        using var system = ActorSystem.Create("bench", "akka.loglevel = WARNING");
        var settings = EngineSettings.Default with { TrainerSlots = slots, RoundTimeout = TimeSpan.FromMinutes(10) };
        foreach (var count in counts)
        {
            var clients = Enumerable.Range(0, count).Select(i => (IFederatedClient)new SpinningClient($"client-{i:D3}", spin)).ToList();
            var engine = Enumerable.Range(0, repeat + 1).Select(_ => Measure(clients, slots, () => EngineRounds(system, clients, initial, settings, rounds)))
                .Skip(1).MinBy(m => m.Overhead);
            var plain = Enumerable.Range(0, repeat + 1).Select(_ => Measure(clients, slots, () => PlainRounds(clients, initial, slots, rounds)))
                .Skip(1).MinBy(m => m.Overhead);
            Console.WriteLine(
                $"  {count,3} clients: engine {engine.Wall * 1e3,7:F1} ms/round, compute {engine.Compute * 1e3,7:F1}, overhead {100 * engine.Overhead,5:F2}% " +
                $"| plain loop {plain.Wall * 1e3,7:F1} ms/round, compute {plain.Compute * 1e3,7:F1}, overhead {100 * plain.Overhead,5:F2}%");
        }
        system.Terminate().Wait();
    }

    /// <summary>Round wall and compute per round over rounds 2.., from the round marks and the clients' own clocks.</summary>
    private static (double Wall, double Compute, double Overhead) Measure(IReadOnlyList<IFederatedClient> clients, int slots, Func<List<long>> run)
    {
        foreach (var client in clients) ((SpinningClient)client).Reset();
        var marks = run();
        var wall = Stopwatch.GetElapsedTime(marks[0], marks[^1]).TotalSeconds / (marks.Count - 1);
        var compute = clients.Sum(c => ((SpinningClient)c).BusyAfterRoundOne.TotalSeconds) / slots / (marks.Count - 1);
        return (wall, compute, (wall - compute) / wall);
    }

    private static List<long> EngineRounds(ActorSystem system, IReadOnlyList<IFederatedClient> clients, ModelWeights initial, EngineSettings settings, int rounds)
    {
        var reported = new List<long>();
        var plan = new ExperimentPlan("overhead", [new PhasePlan(Phases.SimClr, rounds, new Dictionary<string, string>(), false)], initial);
        Experiment.RunAsync(system, plan, clients, new FedAvg(), settings, _ => reported.Add(Stopwatch.GetTimestamp())).GetAwaiter().GetResult();
        return reported;
    }

    private static List<long> PlainRounds(IReadOnlyList<IFederatedClient> clients, ModelWeights initial, int slots, int rounds)
    {
        var global = initial;
        var strategy = new FedAvg();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = slots };
        var marks = new List<long>();
        for (var round = 1; round <= rounds; round++)
        {
            var fits = new FitRes[clients.Count];
            var instructions = new FitIns(round, Phases.SimClr, global, new Dictionary<string, string>());
            Parallel.For(0, clients.Count, parallel, i => fits[i] = clients[i].Fit(instructions, CancellationToken.None));
            global = strategy.AggregateFit(round, Phases.SimClr, global, fits, []);
            marks.Add(Stopwatch.GetTimestamp());
        }
        return marks;
    }

    /// <summary>A client whose fit costs a fixed time of busy CPU (not a sleep) and returns the global weights.</summary>
    private sealed class SpinningClient(string id, TimeSpan cost) : IFederatedClient
    {
        public string Id => id;

        private long _busyTicks;

        public string Task => "task";

        /// <summary>Wall time spent inside fits of rounds after the first.</summary>
        public TimeSpan BusyAfterRoundOne => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _busyTicks));

        public void Reset() => Interlocked.Exchange(ref _busyTicks, 0);

        public FitRes Fit(FitIns instructions, CancellationToken cancellation)
        {
            var start = Stopwatch.GetTimestamp();
            var end = start + (long)(cost.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < end) Thread.SpinWait(10);
            if (instructions.Round > 1) Interlocked.Add(ref _busyTicks, Stopwatch.GetTimestamp() - start);
            return new FitRes(Id, instructions.Round, instructions.Global, 10, new Dictionary<string, double> { ["loss"] = 1 });
        }

        public EvaluateRes Evaluate(EvaluateIns instructions, CancellationToken cancellation) =>
            new(Id, instructions.Round, 10, new Dictionary<string, double> { ["loss"] = 1 });
    }
}
