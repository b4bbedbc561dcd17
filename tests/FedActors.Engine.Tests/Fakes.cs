using System.Collections.Concurrent;
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
