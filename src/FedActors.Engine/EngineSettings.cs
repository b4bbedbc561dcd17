using System.Globalization;
using Akka.Configuration;

namespace FedActors.Engine;

/// <summary>What a round that misses its quorum does (<c>fedactors.engine.on-failed-round</c>).</summary>
public enum FailedRoundPolicy
{
    /// <summary>Aggregate the results that did arrive and go on.</summary>
    AcceptPartial,

    /// <summary>Run the round again, at most <see cref="EngineSettings.MaxRetries"/> more times, then stop.</summary>
    Retry,

    /// <summary>End the experiment with a <see cref="RoundFailedException"/>.</summary>
    Stop,
}

/// <summary>
/// The <c>fedactors.engine</c> section, read once. Keys and defaults are documented in
/// the embedded <c>reference.conf</c> (sampling and validation first in <c>faults.conf.part</c>); a key missing from the section
/// takes the same default here.
/// </summary>
/// <param name="TrainerSlots">Dedicated trainer threads (<c>trainer-slots</c>).</param>
/// <param name="RoundTimeout">Deadline of each stage of a round (<c>round-timeout</c>); <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
/// <param name="MinFitResults">Quorum (<c>min-fit-results</c>); null means every participant.</param>
/// <param name="OnFailedRound">What a round below quorum does (<c>on-failed-round</c>).</param>
/// <param name="MaxRetries">Extra attempts under <see cref="FailedRoundPolicy.Retry"/> (<c>max-retries</c>).</param>
/// <param name="SampleFraction">Share of the available clients asked to fit each round (<c>sampling.fraction</c>).</param>
/// <param name="MinSampledClients">Fewest clients a round samples, when that many are available (<c>sampling.min-clients</c>).</param>
/// <param name="MaxUpdateNorm">Bound on the L2 norm of (update - global); 0 = none (<c>validation.max-update-norm</c>).</param>
/// <param name="FetchWindow">Pending (remote) updates fetched at once besides the one the aggregation waits for (<c>fetch-window</c>).</param>
public sealed record EngineSettings(
    int TrainerSlots,
    TimeSpan RoundTimeout,
    int? MinFitResults,
    FailedRoundPolicy OnFailedRound,
    int MaxRetries,
    double SampleFraction = 1.0,
    int MinSampledClients = 1,
    double MaxUpdateNorm = 0,
    int FetchWindow = 2)
{
    private const string Section = "fedactors.engine";

    public static EngineSettings Default { get; } = new(
        TrainerSlots: 1,
        RoundTimeout: TimeSpan.FromHours(2),
        MinFitResults: null,
        OnFailedRound: FailedRoundPolicy.Stop,
        MaxRetries: 1);

    /// <summary>Reads the <c>fedactors.engine</c> section (pass the section itself, not the root).</summary>
    /// <exception cref="ConfigurationException">A value has the wrong type or is out of range; the message names the key.</exception>
    public static EngineSettings Create(Config fedactorsEngineSection)
    {
        var c = fedactorsEngineSection is null || fedactorsEngineSection.IsEmpty ? null : fedactorsEngineSection;
        if (c is not null && c.HasPath(Section))
            throw new ConfigurationException($"EngineSettings.Create takes the {Section} section, not the root config");
        var settings = new EngineSettings(
            TrainerSlots: Read(c, "trainer-slots", Default.TrainerSlots, (cfg, k) => cfg.GetInt(k)),
            RoundTimeout: Read(c, "round-timeout", Default.RoundTimeout, (cfg, k) => cfg.GetTimeSpan(k, null, allowInfinite: true)),
            MinFitResults: Read(c, "min-fit-results", Default.MinFitResults, (cfg, k) => ParseQuorum(cfg.GetString(k))),
            OnFailedRound: Read(c, "on-failed-round", Default.OnFailedRound, (cfg, k) => ParsePolicy(cfg.GetString(k))),
            MaxRetries: Read(c, "max-retries", Default.MaxRetries, (cfg, k) => cfg.GetInt(k)),
            SampleFraction: Read(c, "sampling.fraction", Default.SampleFraction, (cfg, k) => cfg.GetDouble(k)),
            MinSampledClients: Read(c, "sampling.min-clients", Default.MinSampledClients, (cfg, k) => cfg.GetInt(k)),
            MaxUpdateNorm: Read(c, "validation.max-update-norm", Default.MaxUpdateNorm, (cfg, k) => cfg.GetDouble(k)),
            FetchWindow: Read(c, "fetch-window", Default.FetchWindow, (cfg, k) => cfg.GetInt(k)));
        settings.Validate();
        return settings;
    }

    /// <summary>Throws a <see cref="ConfigurationException"/> naming the first key whose value is out of range.</summary>
    public void Validate()
    {
        if (TrainerSlots < 1) throw Invalid("trainer-slots", TrainerSlots, "must be at least 1");
        if (RoundTimeout != Timeout.InfiniteTimeSpan && RoundTimeout <= TimeSpan.Zero)
            throw Invalid("round-timeout", RoundTimeout, "must be positive or 'infinite'");
        if (MinFitResults is < 1) throw Invalid("min-fit-results", MinFitResults, "must be 'all' or at least 1");
        if (!Enum.IsDefined(OnFailedRound)) throw Invalid("on-failed-round", OnFailedRound, "is not a policy");
        if (MaxRetries < 0) throw Invalid("max-retries", MaxRetries, "must be 0 or more");
        if (!(SampleFraction > 0 && SampleFraction <= 1)) throw Invalid("sampling.fraction", SampleFraction, "must be in (0, 1]");
        if (MinSampledClients < 1) throw Invalid("sampling.min-clients", MinSampledClients, "must be at least 1");
        if (!(MaxUpdateNorm >= 0) || double.IsInfinity(MaxUpdateNorm))
            throw Invalid("validation.max-update-norm", MaxUpdateNorm, "must be 0 (no bound) or a positive number");
        if (FetchWindow < 1) throw Invalid("fetch-window", FetchWindow, "must be at least 1");
    }

    /// <summary>
    /// The quorum for a round of <paramref name="participants"/> sampled clients: <see cref="MinFitResults"/>,
    /// or every participant; never less than one result (a round with nobody to train has failed).
    /// </summary>
    public int QuorumOf(int participants) => MinFitResults ?? Math.Max(1, participants);

    /// <summary>How many clients a round samples when <paramref name="available"/> clients are available.</summary>
    public int SampleSizeOf(int available) => FedActors.Core.ClientSampling.SampleSize(available, SampleFraction, MinSampledClients);

    private static T Read<T>(Config? section, string key, T fallback, Func<Config, string, T> read)
    {
        if (section is null || !section.HasPath(key)) return fallback;
        try
        {
            return read(section, key);
        }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"{Section}.{key}: {e.Message}", e);
        }
    }

    private static int? ParseQuorum(string value)
    {
        if (string.Equals(value, "all", StringComparison.OrdinalIgnoreCase)) return null;
        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) return n;
        throw new ConfigurationException($"{Section}.min-fit-results: '{value}' is neither 'all' nor an integer");
    }

    private static FailedRoundPolicy ParsePolicy(string value) => value switch
    {
        "accept-partial" => FailedRoundPolicy.AcceptPartial,
        "retry" => FailedRoundPolicy.Retry,
        "stop" => FailedRoundPolicy.Stop,
        _ => throw new ConfigurationException(
            $"{Section}.on-failed-round: '{value}' is not one of accept-partial, retry, stop"),
    };

    private static ConfigurationException Invalid(string key, object? value, string why) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{Section}.{key}: {value} {why}"));
}
