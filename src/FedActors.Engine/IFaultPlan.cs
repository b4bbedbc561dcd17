namespace FedActors.Engine;

/// <summary>
/// Simulated heterogeneity and faults: which clients are reachable in a round, and what happens to each fit
/// request. Asked by the coordinator (availability, to sample; the fault, to count drops) and by each
/// <see cref="ClientActor"/> (to act it out), so answers must be pure functions of the context: equal
/// contexts, equal answers, whatever thread asks or how often. Faults apply to fit requests only; every
/// client still evaluates, so accuracy is measured on the whole federation.
/// </summary>
public interface IFaultPlan
{
    /// <summary>
    /// True when some fit may be dropped. A dropped client never answers, so a round then needs a finite
    /// <see cref="EngineSettings.RoundTimeout"/>; the experiment refuses to start otherwise.
    /// </summary>
    bool MayDrop { get; }

    /// <summary>Whether the client can be sampled in this attempt of the round.</summary>
    bool IsAvailable(FaultContext at);

    /// <summary>What happens to the client's fit request in this attempt of the round.</summary>
    ClientFault OnFit(FaultContext at);
}

/// <summary>Where a fault decision is taken: one client in one attempt of one round of one phase.</summary>
/// <param name="RunSeed">The experiment's seed (<see cref="ExperimentPlan.Seed"/>).</param>
/// <param name="ClientId">The client.</param>
/// <param name="Phase">The round's phase.</param>
/// <param name="Round">1-based within the phase.</param>
/// <param name="Attempt">1, or more when the round is retried (a retry draws afresh).</param>
public sealed record FaultContext(long RunSeed, string ClientId, string Phase, int Round, int Attempt);

/// <summary>How a client's fit request goes wrong, if it does.</summary>
public enum FaultKind
{
    /// <summary>The client trains and answers (possibly late, see <see cref="ClientFault.ReplyAfter"/>).</summary>
    None,

    /// <summary>The client drops out mid-round: it takes the request and never answers it.</summary>
    Drop,

    /// <summary>The client actor throws on taking the request; its supervisor restarts it, state intact.</summary>
    Crash,
}

/// <summary>The fault a fit request meets.</summary>
/// <param name="Kind">Drop, crash, or none.</param>
/// <param name="ReplyAfter">
/// With <see cref="FaultKind.None"/>: the reply is held until this long after the client started the work
/// (scheduler time, so virtual in tests). Zero holds nothing.
/// </param>
/// <param name="Slowdown">
/// With <see cref="FaultKind.None"/>: the reply is also held (slowdown - 1) times the measured duration of the
/// real work, so the client looks that many times slower. 1 holds nothing.
/// </param>
public sealed record ClientFault(FaultKind Kind, TimeSpan ReplyAfter, double Slowdown)
{
    public static ClientFault None { get; } = new(FaultKind.None, TimeSpan.Zero, 1);
    public static ClientFault Drop { get; } = new(FaultKind.Drop, TimeSpan.Zero, 1);
    public static ClientFault Crash { get; } = new(FaultKind.Crash, TimeSpan.Zero, 1);

    /// <summary>Answers no earlier than <paramref name="after"/> from the start of its work.</summary>
    public static ClientFault Delay(TimeSpan after) => new(FaultKind.None, after, 1);

    /// <summary>Answers after <paramref name="slowdown"/> times its real work time.</summary>
    public static ClientFault Slow(double slowdown) => new(FaultKind.None, TimeSpan.Zero, slowdown);

    /// <summary>How long to hold a reply whose work took <paramref name="work"/> and began <paramref name="sinceStart"/> ago.</summary>
    public TimeSpan Hold(TimeSpan work, TimeSpan sinceStart)
    {
        var byTime = ReplyAfter - sinceStart;
        var bySpeed = Slowdown > 1 ? work * (Slowdown - 1) : TimeSpan.Zero;
        var hold = byTime > bySpeed ? byTime : bySpeed;
        return hold > TimeSpan.Zero ? hold : TimeSpan.Zero;
    }
}
