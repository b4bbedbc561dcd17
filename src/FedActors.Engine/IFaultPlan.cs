using FedActors.Core;

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

    /// <summary>The Byzantine behaviour of the client's fit in this attempt of the round, or null for an honest one.</summary>
    UpdateAttack? AttackOn(FaultContext at) => null;
}

/// <summary>Kinds of Byzantine client behaviour the fault simulator plays.</summary>
public enum AttackKind
{
    /// <summary>Sends global − factor·(update − global).</summary>
    SignFlip,

    /// <summary>Sends global + factor·(update − global).</summary>
    Scale,

    /// <summary>Sends its update plus Gaussian noise of standard deviation noise-std.</summary>
    Noise,

    /// <summary>Sends every value equal to a constant.</summary>
    Constant,

    /// <summary>Trains on flipped labels (class c becomes C − 1 − c) in the supervised phases; honest elsewhere.</summary>
    LabelFlip,

    /// <summary>Every colluder sends the same crafted update: global + factor·v for one random unit direction v per round.</summary>
    Collude,
}

/// <summary>
/// A Byzantine client's behaviour in one fit: <see cref="Apply"/> turns its honest result into what it sends;
/// <see cref="AttackKind.LabelFlip"/> instead asks the client to train on flipped labels (<see cref="LabelFlipKey"/> in
/// its fit config). Pure: equal inputs, equal outputs.
/// </summary>
public sealed record UpdateAttack(AttackKind Kind, double Factor, double NoiseStd, double Constant, long Seed)
{
    /// <summary>The fit-config key that tells a client to train on flipped labels.</summary>
    public const string LabelFlipKey = "label-flip";

    /// <summary>Whether it changes the client's training (label flipping) rather than its result.</summary>
    public bool ChangesTraining => Kind == AttackKind.LabelFlip;

    /// <summary>What the attacker sends instead of <paramref name="honest"/>, trained from <paramref name="global"/>.</summary>
    public FitRes Apply(ModelWeights global, FitRes honest)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(honest);
        var weights = Kind switch
        {
            AttackKind.SignFlip => Attacks.SignFlip(global, honest.Weights, Factor),
            AttackKind.Scale => Attacks.Scale(global, honest.Weights, Factor),
            AttackKind.Noise => Attacks.Noise(global, honest.Weights, NoiseStd, Seed),
            AttackKind.Constant => Attacks.Constant(global, honest.Weights, Constant),
            AttackKind.Collude => Attacks.Collude(global, honest.Weights, Factor, Seed),
            _ => honest.Weights,
        };
        return honest with { Weights = weights };
    }
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
