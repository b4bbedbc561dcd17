namespace FedActors.Core.Strategies;

/// <summary>
/// One strategy per phase: the engine runs one strategy per experiment, this one hands each call to the strategy of the
/// call's phase (a phase without its own uses the default). It always streams: a streaming inner strategy folds updates
/// as they arrive; for a buffering one (median, Krum...) it keeps the round's results and hands them over at the end, as
/// the engine would. Its server state is every inner strategy's, each tensor prefixed by its phase.
/// </summary>
public sealed class PhaseStrategies : IStreamingStrategy, IServerState, IDescribedStrategy
{
    private readonly IStrategy _default;
    private readonly IReadOnlyDictionary<string, IStrategy> _byPhase;
    private string _lastPhase = "";

    /// <param name="fallback">The strategy of every phase not in <paramref name="byPhase"/>.</param>
    /// <param name="byPhase">Strategies of particular phases (e.g. the heads phase).</param>
    public PhaseStrategies(IStrategy fallback, IReadOnlyDictionary<string, IStrategy>? byPhase = null)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        _default = fallback;
        _byPhase = byPhase ?? new Dictionary<string, IStrategy>();
    }

    public string Name => _byPhase.Count == 0 ? _default.Name : $"{_default.Name} ({string.Join(", ", _byPhase.Select(p => $"{p.Key}: {p.Value.Name}"))})";

    public string Description => _byPhase.Count == 0
        ? Describe(_default)
        : Describe(_default) + "; " + string.Join("; ", _byPhase.Select(p => $"phase {p.Key}: {Describe(p.Value)}"));

    public bool BuffersUpdates => Strategies.Any(s => s is IDescribedStrategy { BuffersUpdates: true } || s is not IStreamingStrategy);

    /// <summary>The last fit aggregation's metrics, from the strategy of that phase.</summary>
    public IReadOnlyDictionary<string, double> LastFitMetrics =>
        For(_lastPhase) is IDescribedStrategy described ? described.LastFitMetrics : new Dictionary<string, double>();

    /// <summary>The strategy of <paramref name="phase"/>.</summary>
    public IStrategy For(string phase) => _byPhase.TryGetValue(phase, out var strategy) ? strategy : _default;

    private IEnumerable<IStrategy> Strategies => _byPhase.Values.Prepend(_default);

    public IReadOnlyDictionary<string, string> ConfigureFit(int round, string phase, IReadOnlyDictionary<string, string> config) =>
        For(phase).ConfigureFit(round, phase, config);

    public IFitAggregation BeginFit(int round, string phase, ModelWeights current)
    {
        _lastPhase = phase;
        var strategy = For(phase);
        return strategy is IStreamingStrategy streaming
            ? streaming.BeginFit(round, phase, current)
            : new Buffering(strategy, round, phase, current);
    }

    public ModelWeights AggregateFit(int round, string phase, ModelWeights current, IReadOnlyList<FitRes> results, IReadOnlyList<ClientFailure> failures)
    {
        _lastPhase = phase;
        return For(phase).AggregateFit(round, phase, current, results, failures);
    }

    public IReadOnlyDictionary<string, double> AggregateEvaluate(int round, IReadOnlyList<EvaluateRes> results, IReadOnlyList<ClientFailure> failures) =>
        For(_lastPhase).AggregateEvaluate(round, results, failures);

    /// <summary>Each inner strategy's state, its tensors named <c>&lt;phase or *&gt;/&lt;name&gt;</c>.</summary>
    public ModelWeights SaveState() =>
        new(Owners().SelectMany(o => o.State.SaveState().Select(t => new NamedTensor($"{o.Key}/{t.Name}", t.Shape, t.Data))));

    public void LoadState(ModelWeights state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var owners = Owners().ToList();
        var unknown = state.Names.FirstOrDefault(n => !owners.Any(o => n.StartsWith(o.Key + "/", StringComparison.Ordinal)));
        if (unknown is not null) throw new ArgumentException($"server state tensor '{unknown}' belongs to no phase's strategy");
        foreach (var (key, owner) in owners)
        {
            var prefix = key + "/";
            owner.LoadState(new ModelWeights(state.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal))
                .Select(t => new NamedTensor(t.Name[prefix.Length..], t.Shape, t.Data))));
        }
    }

    private IEnumerable<(string Key, IServerState State)> Owners()
    {
        if (_default is IServerState state) yield return ("*", state);
        foreach (var (phase, strategy) in _byPhase.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (strategy is IServerState owned) yield return (phase, owned);
        }
    }

    private static string Describe(IStrategy strategy) => strategy is IDescribedStrategy described ? described.Description : strategy.Name;

    /// <summary>A buffering strategy's round: the results kept (by reference) until the round ends.</summary>
    private sealed class Buffering(IStrategy strategy, int round, string phase, ModelWeights current) : IFitAggregation
    {
        private readonly List<FitRes> _results = [];

        public void Add(FitRes result)
        {
            ArgumentNullException.ThrowIfNull(result);
            _results.Add(result);
        }

        public ModelWeights Result(IReadOnlyList<ClientFailure> failures) => strategy.AggregateFit(round, phase, current, _results, failures);
    }
}
