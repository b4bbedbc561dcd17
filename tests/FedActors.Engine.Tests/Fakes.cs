using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using FedActors.Core;

namespace FedActors.Engine.Tests;

/// <summary>Builds small weight snapshots for tests.</summary>
internal static class Weights
{
    public static ModelWeights Of(params (string Name, float[] Data)[] tensors) =>
        new(tensors.Select(t => new NamedTensor(t.Name, [t.Data.Length], t.Data)));

    /// <summary><paramref name="global"/> with <paramref name="change"/> applied to every value of the tensors <paramref name="keep"/> selects.</summary>
    public static ModelWeights Map(ModelWeights global, Func<string, bool> keep, Func<string, float, float> change) =>
        new(global.Where(t => keep(t.Name)).Select(t => new NamedTensor(t.Name, t.Shape, [.. t.Data.Select(v => change(t.Name, v))])));

    public static float[] Values(ModelWeights weights, string name) => weights[name].Data;
}

/// <summary>
/// A client whose Fit and Evaluate are given as functions. Records every instruction it got and the thread
/// each call ran on.
/// </summary>
internal sealed class ScriptedClient(
    string id,
    Func<FitIns, CancellationToken, FitRes> fit,
    Func<EvaluateIns, CancellationToken, EvaluateRes>? evaluate = null,
    string task = "A") : IFederatedClient
{
    private int _running;

    public string Id { get; } = id;
    public string Task { get; } = task;
    public ConcurrentQueue<FitIns> Fits { get; } = new();
    public ConcurrentQueue<EvaluateIns> Evaluations { get; } = new();
    public ConcurrentQueue<Thread> Threads { get; } = new();

    /// <summary>Set when two calls on this client overlapped (the engine promises they never do).</summary>
    public bool Overlapped { get; private set; }

    public FitRes Fit(FitIns instructions, CancellationToken cancellation)
    {
        Enter();
        try
        {
            Fits.Enqueue(instructions);
            return fit(instructions, cancellation);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    public EvaluateRes Evaluate(EvaluateIns instructions, CancellationToken cancellation)
    {
        Enter();
        try
        {
            Evaluations.Enqueue(instructions);
            return evaluate is null
                ? throw new InvalidOperationException($"{Id} was not scripted to evaluate")
                : evaluate(instructions, cancellation);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private void Enter()
    {
        if (Interlocked.Increment(ref _running) > 1) Overlapped = true;
        Threads.Enqueue(Thread.CurrentThread);
    }

    /// <summary>A client that sends back the global weights shifted by <paramref name="delta"/>, with <paramref name="examples"/> samples.</summary>
    public static ScriptedClient Shifting(string id, float delta, long examples, string task = "A") =>
        new(id, (ins, _) => new FitRes(
            id, ins.Round, Weights.Map(ins.Global, _ => true, (_, v) => v + delta), examples,
            new Dictionary<string, double> { ["loss"] = delta }), task: task);
}

/// <summary>
/// Scripts the order in which fit replies reach their round. A client of <paramref name="order"/> that calls
/// <see cref="AwaitTurn"/> at the end of its fit returns only once the client before it has had its reply to the
/// same round sent by its actor: that actor's <see cref="Client.Counters"/> count the reply, and it is in the
/// round's mailbox before the counters can be read. The round therefore receives the replies in exactly this
/// order; <see cref="Replies"/> records the order they left in. Clients not in the order reply at once. The
/// experiment's arm must be <paramref name="arm"/> and unique in the system: it finds the client actors by it.
/// Needs a trainer slot per client of the order, or the later ones never start.
/// </summary>
internal sealed class ReplyOrder(ActorSystem system, string arm, params string[] order)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    public ConcurrentQueue<(int Round, string ClientId)> Replies { get; } = new();

    /// <summary>Each round's replies in the scripted order, for <paramref name="rounds"/> rounds.</summary>
    public IEnumerable<(int Round, string ClientId)> Expected(int rounds) =>
        Enumerable.Range(1, rounds).SelectMany(round => order.Select(id => (round, id)));

    public void AwaitTurn(string clientId, int round)
    {
        var position = Array.IndexOf(order, clientId);
        if (position > 0)
        {
            var previous = order[position - 1];
            var actor = system.ActorSelection($"/user/experiment-{ActorNames.Escape(arm)}-*/{ActorNames.Escape(previous)}");
            var waited = Stopwatch.StartNew();
            while (actor.Ask<Client.Counters>(Client.GetCounters.Instance, Limit).GetAwaiter().GetResult().Fits < round)
            {
                if (waited.Elapsed > Limit) throw new TimeoutException($"'{previous}' sent no reply to round {round} within {Limit}");
                Thread.Sleep(1);
            }
        }
        Replies.Enqueue((round, clientId));
    }
}
