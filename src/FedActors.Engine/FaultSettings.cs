using System.Globalization;
using Akka.Configuration;
using FedActors.Core;

namespace FedActors.Engine;

/// <summary>How one client (or a group) misbehaves in simulation. <see cref="Healthy"/> is no fault at all.</summary>
/// <param name="Slowdown">Time factor of the client's fits: 5 = five times as long as its real work (or nominal time).</param>
/// <param name="Availability">Probability that the client can be sampled in a round.</param>
/// <param name="DropProbability">Probability that a fit request is taken and never answered.</param>
/// <param name="CrashProbability">Probability that the client actor throws on a fit request (it is then restarted).</param>
public sealed record FaultProfile(double Slowdown, double Availability, double DropProbability, double CrashProbability)
{
    public static FaultProfile Healthy { get; } = new(1, 1, 0, 0);

    public bool IsHealthy => this == Healthy;
}

/// <summary>A group of clients sharing one <see cref="FaultProfile"/>.</summary>
public sealed record ClientFaults(IReadOnlyList<string> ClientIds, FaultProfile Profile);

/// <summary>
/// The <c>fedactors.faults</c> section: simulated heterogeneity and faults, all drawn from the run seed so a
/// faulty run is reproducible. Every draw is <c>Seeds.Derive(seed, "&lt;purpose&gt;/&lt;phase&gt;/&lt;attempt&gt;",
/// client, round)</c> with purposes <c>available</c>, <c>crash</c> and <c>drop</c>: fixed per (client, round),
/// independent across clients, phases and retries. <see cref="None"/> (the default) injects nothing.
/// </summary>
/// <param name="AllClients">The profile of every client that no entry of <paramref name="Clients"/> names.</param>
/// <param name="Clients">Per-client or per-group profiles; a client is named by at most one entry.</param>
/// <param name="NominalFitTime">
/// When positive, a fit answers no earlier than slowdown x this after its work started (a simulated compute
/// time, deterministic under virtual time); zero scales the measured work time instead.
/// </param>
/// <param name="AvailabilityTrace">Who can be reached per round, on top of <see cref="FaultProfile.Availability"/>; null = no trace.</param>
public sealed record FaultSettings(
    FaultProfile AllClients,
    IReadOnlyList<ClientFaults> Clients,
    TimeSpan NominalFitTime,
    AvailabilityTrace? AvailabilityTrace) : IFaultPlan
{
    /// <summary>The Byzantine clients and what they do (<c>fedactors.faults.attack</c>); <see cref="AttackSettings.None"/> for none.</summary>
    public AttackSettings Attack { get; init; } = AttackSettings.None;

    public UpdateAttack? AttackOn(FaultContext at)
    {
        ArgumentNullException.ThrowIfNull(at);
        if (Attack.Kind is not { } kind || !Attack.Attackers.Contains(at.ClientId)) return null;
        // Colluders share their round's draw; a noisy attacker draws its own.
        var seed = kind == AttackKind.Collude
            ? Seeds.Derive(at.RunSeed, $"collude/{at.Phase}", "", at.Round)
            : Seeds.Derive(at.RunSeed, $"attack/{at.Phase}/{at.Attempt}", at.ClientId, at.Round);
        return new UpdateAttack(kind, Attack.Factor, Attack.NoiseStd, Attack.Constant, seed);
    }

    private const string Section = "fedactors.faults";

    private static readonly HashSet<string> EntryKeys =
        ["id", "ids", "slowdown", "availability", "drop-probability", "crash-probability"];

    public static FaultSettings None { get; } = new(FaultProfile.Healthy, [], TimeSpan.Zero, null);

    public bool MayDrop => AllClients.DropProbability > 0 || Clients.Any(c => c.Profile.DropProbability > 0);

    /// <summary>True when nothing is injected: every profile healthy, no trace, no nominal time.</summary>
    public bool IsNone =>
        AllClients.IsHealthy && Clients.All(c => c.Profile.IsHealthy) && AvailabilityTrace is null && NominalFitTime == TimeSpan.Zero
        && Attack.Kind is null;

    /// <summary>
    /// Reads the <c>fedactors.faults</c> section (pass the section, not the root). A relative
    /// <c>availability-trace</c> is resolved against <paramref name="baseDirectory"/> (default: the working directory).
    /// </summary>
    /// <exception cref="ConfigurationException">A key has a wrong value or the trace is bad; the message names the key, or the file and line.</exception>
    public static FaultSettings Create(Config fedactorsFaultsSection, string? baseDirectory = null)
    {
        var c = fedactorsFaultsSection is null || fedactorsFaultsSection.IsEmpty ? null : fedactorsFaultsSection;
        if (c is null) return None;
        if (c.HasPath(Section)) throw new ConfigurationException($"FaultSettings.Create takes the {Section} section, not the root config");

        var allClients = c.HasPath("all-clients") ? ReadProfile(c.GetConfig("all-clients"), FaultProfile.Healthy, $"{Section}.all-clients") : FaultProfile.Healthy;
        var clients = new List<ClientFaults>();
        var items = c.HasPath("clients") ? Read("clients", () => c.GetValue("clients").GetArray()) : [];
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{Section}.clients[{i}]";
            var entry = Read($"clients[{i}]", () => items[i].ToConfig());
            foreach (var key in entry.Root.GetObject().Items.Keys)
            {
                if (!EntryKeys.Contains(key))
                    throw new ConfigurationException($"{path}: unknown key '{key}' (known: {string.Join(", ", EntryKeys)})");
            }
            var ids = new List<string>();
            if (entry.HasPath("id")) ids.Add(ReadEntry(entry, path, "id", e => e.GetString("id")));
            if (entry.HasPath("ids")) ids.AddRange(ReadEntry(entry, path, "ids", e => e.GetStringList("ids")));
            ids.RemoveAll(string.IsNullOrEmpty);
            if (ids.Count == 0) throw new ConfigurationException($"{path}: names no client (set id = \"...\" or ids = [...])");
            clients.Add(new ClientFaults(ids, ReadProfile(entry, allClients, path)));
        }

        var nominal = c.HasPath("nominal-fit-time")
            ? Read("nominal-fit-time", () => c.GetTimeSpan("nominal-fit-time", null, allowInfinite: false))
            : TimeSpan.Zero;
        var tracePath = c.HasPath("availability-trace") ? Read("availability-trace", () => c.GetString("availability-trace")) : "";
        AvailabilityTrace? trace = null;
        if (!string.IsNullOrWhiteSpace(tracePath))
        {
            var full = Path.GetFullPath(tracePath, baseDirectory ?? Environment.CurrentDirectory);
            try
            {
                trace = AvailabilityTrace.Load(full);
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"{Section}.availability-trace: {e.Message}", e);
            }
        }

        var settings = new FaultSettings(allClients, clients, nominal, trace) { Attack = c.HasPath("attack") ? AttackSettings.Read(c.GetConfig("attack")) : AttackSettings.None };
        settings.Validate();
        return settings;
    }

    /// <summary>Throws a <see cref="ConfigurationException"/> naming the first value out of range or a client named twice.</summary>
    public void Validate()
    {
        CheckProfile(AllClients, $"{Section}.all-clients");
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Clients.Count; i++)
        {
            CheckProfile(Clients[i].Profile, $"{Section}.clients[{i}]");
            foreach (var id in Clients[i].ClientIds)
            {
                if (!seen.TryAdd(id, i))
                    throw new ConfigurationException($"{Section}.clients[{i}]: client '{id}' is already named by clients[{seen[id]}]");
            }
        }
        if (NominalFitTime < TimeSpan.Zero)
            throw new ConfigurationException($"{Section}.nominal-fit-time: {NominalFitTime} must be 0 or more");
    }

    /// <summary>
    /// The ids the settings name (entries and trace) that are not in <paramref name="clientIds"/>, in ordinal order.
    /// The composition layer checks them against the federation: a misspelt id would otherwise inject nothing.
    /// </summary>
    public IReadOnlyList<string> UnknownClients(IEnumerable<string> clientIds)
    {
        ArgumentNullException.ThrowIfNull(clientIds);
        var known = clientIds.ToHashSet(StringComparer.Ordinal);
        return [.. Clients.SelectMany(c => c.ClientIds).Concat(AvailabilityTrace?.ClientIds ?? []).Concat(Attack.Named)
            .Where(id => !known.Contains(id)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>The profile that applies to <paramref name="clientId"/>.</summary>
    public FaultProfile ProfileOf(string clientId)
    {
        foreach (var group in Clients)
        {
            if (group.ClientIds.Contains(clientId, StringComparer.Ordinal)) return group.Profile;
        }
        return AllClients;
    }

    public bool IsAvailable(FaultContext at)
    {
        ArgumentNullException.ThrowIfNull(at);
        if (AvailabilityTrace is { } trace && !trace.IsAvailable(at.Phase, at.Round, at.ClientId)) return false;
        var availability = ProfileOf(at.ClientId).Availability;
        return availability >= 1 || Uniform(at, "available") < availability;
    }

    public ClientFault OnFit(FaultContext at)
    {
        ArgumentNullException.ThrowIfNull(at);
        var profile = ProfileOf(at.ClientId);
        if (profile.CrashProbability > 0 && Uniform(at, "crash") < profile.CrashProbability) return ClientFault.Crash;
        if (profile.DropProbability > 0 && Uniform(at, "drop") < profile.DropProbability) return ClientFault.Drop;
        if (NominalFitTime > TimeSpan.Zero) return ClientFault.Delay(NominalFitTime * profile.Slowdown);
        return profile.Slowdown == 1 ? ClientFault.None : ClientFault.Slow(profile.Slowdown);
    }

    /// <summary>A uniform draw in [0, 1) fixed by (seed, purpose, phase, attempt, client, round).</summary>
    public static double Uniform(FaultContext at, string purpose)
    {
        ArgumentNullException.ThrowIfNull(at);
        var seed = Seeds.Derive(at.RunSeed, $"{purpose}/{at.Phase}/{at.Attempt}", at.ClientId, at.Round);
        return (seed >> 10) * (1.0 / (1L << 53));
    }

    private static FaultProfile ReadProfile(Config section, FaultProfile fallback, string path)
    {
        var profile = new FaultProfile(
            ReadEntry(section, path, "slowdown", fallback.Slowdown),
            ReadEntry(section, path, "availability", fallback.Availability),
            ReadEntry(section, path, "drop-probability", fallback.DropProbability),
            ReadEntry(section, path, "crash-probability", fallback.CrashProbability));
        CheckProfile(profile, path);
        return profile;
    }

    private static double ReadEntry(Config entry, string path, string key, double fallback) =>
        entry.HasPath(key) ? ReadEntry(entry, path, key, e => e.GetDouble(key)) : fallback;

    private static T ReadEntry<T>(Config entry, string path, string key, Func<Config, T> read)
    {
        try
        {
            return read(entry);
        }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"{path}.{key}: {e.Message}", e);
        }
    }

    private static T Read<T>(string key, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"{Section}.{key}: {e.Message}", e);
        }
    }

    private static void CheckProfile(FaultProfile p, string path)
    {
        static string Show(double v) => v.ToString(CultureInfo.InvariantCulture);
        if (!(p.Slowdown > 0) || double.IsInfinity(p.Slowdown))
            throw new ConfigurationException($"{path}.slowdown: {Show(p.Slowdown)} must be a positive number");
        if (!(p.Availability is >= 0 and <= 1))
            throw new ConfigurationException($"{path}.availability: {Show(p.Availability)} must be in [0, 1]");
        if (!(p.DropProbability is >= 0 and <= 1))
            throw new ConfigurationException($"{path}.drop-probability: {Show(p.DropProbability)} must be in [0, 1]");
        if (!(p.CrashProbability is >= 0 and <= 1))
            throw new ConfigurationException($"{path}.crash-probability: {Show(p.CrashProbability)} must be in [0, 1]");
    }
}

/// <summary>
/// <c>fedactors.faults.attack</c>: which clients are Byzantine and what they do. The attackers are the ids listed in
/// <c>clients</c>, or else round(fraction x clients) of the federation drawn from the run seed once for the whole run
/// (<see cref="WithAttackers"/>, called by the composition layer that knows the federation).
/// </summary>
/// <param name="Kind">What the attackers do; null = nobody attacks.</param>
/// <param name="Fraction">Share of the federation's clients that attack, when no ids are listed.</param>
/// <param name="Named">Attackers by id; empty = drawn by <paramref name="Fraction"/>.</param>
/// <param name="Factor">sign-flip, scale: the factor; collude: the norm of the shared crafted change.</param>
/// <param name="NoiseStd">noise: the standard deviation.</param>
/// <param name="Constant">constant: the value sent.</param>
public sealed record AttackSettings(AttackKind? Kind, double Fraction, IReadOnlyList<string> Named, double Factor, double NoiseStd, double Constant)
{
    private const string Section = "fedactors.faults.attack";

    public static AttackSettings None { get; } = new(null, 0, [], 1, 1, 0);

    /// <summary>The clients that attack: <see cref="Named"/>, or those <see cref="WithAttackers"/> drew.</summary>
    public IReadOnlySet<string> Attackers { get; init; } = Named.ToHashSet(StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, AttackKind?> Kinds = new Dictionary<string, AttackKind?>(StringComparer.Ordinal)
    {
        ["none"] = null,
        ["sign-flip"] = AttackKind.SignFlip,
        ["scale"] = AttackKind.Scale,
        ["noise"] = AttackKind.Noise,
        ["constant"] = AttackKind.Constant,
        ["label-flip"] = AttackKind.LabelFlip,
        ["collude"] = AttackKind.Collude,
    };

    public static AttackSettings Read(Config section)
    {
        ArgumentNullException.ThrowIfNull(section);
        string Text(string key) => section.HasPath(key) ? section.GetString(key) ?? "" : "";
        var kindText = section.HasPath("kind") ? Text("kind") : "none";
        if (!Kinds.TryGetValue(kindText, out var kind))
            throw new ConfigurationException($"{Section}.kind: '{kindText}' must be one of {string.Join(", ", Kinds.Keys)}");
        double Number(string key, double fallback)
        {
            try
            {
                return section.HasPath(key) ? section.GetDouble(key) : fallback;
            }
            catch (Exception e) when (e is not ConfigurationException)
            {
                throw new ConfigurationException($"{Section}.{key}: {e.Message}", e);
            }
        }
        var named = section.HasPath("clients") ? section.GetStringList("clients").ToList() : [];
        var settings = new AttackSettings(kind, Number("fraction", 0), named, Number("factor", 1), Number("noise-std", 1), Number("constant", 0));
        if (!(settings.Fraction is >= 0 and <= 1)) throw new ConfigurationException($"{Section}.fraction: {settings.Fraction} must be in [0, 1]");
        if (!double.IsFinite(settings.Factor) || !(settings.NoiseStd >= 0) || !double.IsFinite(settings.NoiseStd) || !double.IsFinite(settings.Constant))
            throw new ConfigurationException($"{Section}: factor, noise-std and constant must be finite (noise-std 0 or more)");
        return settings;
    }

    /// <summary>
    /// These settings with the attackers of a federation of <paramref name="clientIds"/>: the named ones, or round(fraction
    /// x clients) drawn from <paramref name="runSeed"/> (the same every run of the seed, whatever order ids come in).
    /// </summary>
    public AttackSettings WithAttackers(IEnumerable<string> clientIds, long runSeed)
    {
        ArgumentNullException.ThrowIfNull(clientIds);
        if (Kind is null || Named.Count > 0) return this;
        var ids = clientIds.Distinct(StringComparer.Ordinal).ToList();
        var count = (int)Math.Round(Fraction * ids.Count, MidpointRounding.AwayFromZero);
        var drawn = count == 0 ? [] : ClientSampling.Sample(ids, (double)count / ids.Count, count, Seeds.Derive(runSeed, "attackers"));
        return this with { Attackers = drawn.ToHashSet(StringComparer.Ordinal) };
    }
}
