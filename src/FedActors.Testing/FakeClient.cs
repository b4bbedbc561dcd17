using System.Collections.Concurrent;
using FedActors.Core;

namespace FedActors.Testing;

/// <summary>
/// A scripted <see cref="IFederatedClient"/> with no model behind it: by default it answers every fit with the
/// global weights plus its delta on every value, its sample count and metric <c>loss</c> = delta, and every
/// evaluation with metric <c>global-mean</c> (the mean of the weights it was sent). <see cref="InRound"/>
/// scripts other behaviours (drop, delay, crash, NaN...). Configure it before the run; it records every
/// request it gets. The behaviours that need the engine (unavailable, drop, delay, crash) act through the
/// <see cref="FakeFederation"/> the client belongs to.
/// </summary>
public sealed class FakeClient : IKnownShard
{
    private readonly Dictionary<(int Round, int Attempt), FakeAct> _script = [];
    private readonly ConcurrentQueue<FitIns> _fits = new();
    private readonly ConcurrentQueue<EvaluateIns> _evaluations = new();
    private readonly ConcurrentDictionary<int, int> _attempts = new();
    private FakeAct _always = FakeAct.Reply;
    private float _delta = 1f;
    private long _examples = 1;
    private long _shard;
    private long _calls;

    private FakeClient(string id, string task)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(task);
        Id = id;
        Task = task;
    }

    public string Id { get; }
    public string Task { get; }

    /// <summary>Every fit request that reached the client's training, in order (dropped and crashed ones never do).</summary>
    public IReadOnlyList<FitIns> Fits => [.. _fits];

    /// <summary>Every evaluate request, in order.</summary>
    public IReadOnlyList<EvaluateIns> Evaluations => [.. _evaluations];

    /// <summary>Calls started plus calls finished: grows whenever the client works.</summary>
    public long Activity => Interlocked.Read(ref _calls);

    /// <summary>Inside a Fit or an Evaluate now: each call counts once on entry and once on exit, and the engine never
    /// runs two calls of one client at once.</summary>
    internal bool Computing => (Interlocked.Read(ref _calls) & 1) == 1;

    public static FakeClient Named(string id, string task = "A") => new(id, task);

    /// <summary>Sends the global plus <paramref name="delta"/> on every value (default 1).</summary>
    public FakeClient Adds(float delta)
    {
        _delta = delta;
        return this;
    }

    /// <summary>Reports <paramref name="examples"/> samples (FedAvg's weight; default 1).</summary>
    public FakeClient WithExamples(long examples)
    {
        _examples = examples;
        return this;
    }

    /// <summary>
    /// Declares a shard of <paramref name="examples"/> samples in every phase (<see cref="IKnownShard"/>), so the
    /// coordinator refuses an update that reports more; default 0 = not declared.
    /// </summary>
    public FakeClient WithShard(long examples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(examples);
        _shard = examples;
        return this;
    }

    public long ShardSize(string phase) => _shard;

    /// <summary>Does <paramref name="act"/> in every round not scripted otherwise.</summary>
    public FakeClient Always(FakeAct act)
    {
        ArgumentNullException.ThrowIfNull(act);
        _always = act;
        return this;
    }

    /// <summary>
    /// Does <paramref name="act"/> in round <paramref name="round"/> (of any phase); only in that attempt when
    /// <paramref name="attempt"/> is given, otherwise in every attempt of it.
    /// </summary>
    public FakeClient InRound(int round, FakeAct act, int? attempt = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(round, 1);
        ArgumentNullException.ThrowIfNull(act);
        _script[(round, attempt ?? 0)] = act;
        return this;
    }

    /// <summary>Does <paramref name="act"/> in each of <paramref name="rounds"/>.</summary>
    public FakeClient InRounds(FakeAct act, params int[] rounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        foreach (var round in rounds) InRound(round, act);
        return this;
    }

    /// <summary>What the client does in that attempt of that round.</summary>
    public FakeAct ActIn(int round, int attempt) =>
        _script.TryGetValue((round, attempt), out var act) || _script.TryGetValue((round, 0), out act) ? act : _always;

    internal bool EverDrops => _always.Kind == FakeActKind.Drop || _script.Values.Any(a => a.Kind == FakeActKind.Drop);

    public FitRes Fit(FitIns instructions, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        Interlocked.Increment(ref _calls);
        try
        {
            _fits.Enqueue(instructions);
            var act = ActIn(instructions.Round, _attempts.GetValueOrDefault(instructions.Round, 1));
            var weights = act.Kind switch
            {
                FakeActKind.Throw => throw new InvalidOperationException(act.Message),
                FakeActKind.SendScaled => Shift(instructions.Global, act.Factor * _delta),
                FakeActKind.SendNaN => Poison(Shift(instructions.Global, _delta)),
                FakeActKind.SendMisshaped => Misshape(Shift(instructions.Global, _delta)),
                FakeActKind.SendUnknownTensor => new ModelWeights(
                    [.. Shift(instructions.Global, _delta), new NamedTensor(FakeAct.UnknownTensorName, [1], [0f])]),
                _ => Shift(instructions.Global, _delta),
            };
            return new FitRes(Id, instructions.Round, weights, _examples, new Dictionary<string, double> { [MetricNames.Loss] = _delta });
        }
        finally
        {
            Interlocked.Increment(ref _calls);
        }
    }

    public EvaluateRes Evaluate(EvaluateIns instructions, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        Interlocked.Increment(ref _calls);
        try
        {
            _evaluations.Enqueue(instructions);
            var values = instructions.Global.SelectMany(t => t.Data).ToList();
            var mean = values.Count == 0 ? 0 : values.Average(v => (double)v);
            return new EvaluateRes(Id, instructions.Round, _examples, new Dictionary<string, double> { ["global-mean"] = mean });
        }
        finally
        {
            Interlocked.Increment(ref _calls);
        }
    }

    public override string ToString() => $"FakeClient({Id})";

    // A fit request names its round but not its attempt; the engine asks the fault plan about each attempt
    // before the client trains, so the federation notes the latest attempt here.
    internal void NoteAttempt(int round, int attempt) => _attempts.AddOrUpdate(round, attempt, (_, seen) => Math.Max(seen, attempt));

    private static ModelWeights Shift(ModelWeights global, float delta) =>
        new(global.Select(t => new NamedTensor(t.Name, t.Shape, [.. t.Data.Select(v => v + delta)])));

    private static ModelWeights Poison(ModelWeights weights)
    {
        var first = weights[0];
        var data = (float[])first.Data.Clone();
        data[0] = float.NaN;
        return new ModelWeights([new NamedTensor(first.Name, first.Shape, data), .. weights.Skip(1)]);
    }

    private static ModelWeights Misshape(ModelWeights weights)
    {
        var first = weights[0];
        return new ModelWeights([new NamedTensor(first.Name, [first.Data.Length + 1], [.. first.Data, 0f]), .. weights.Skip(1)]);
    }
}
