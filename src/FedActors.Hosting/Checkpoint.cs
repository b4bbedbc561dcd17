using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization;
using FedActors.Core;
using FedActors.Engine;

namespace FedActors.Hosting;

/// <summary>
/// Where a run stands after its last finished round, in <c>checkpoint/</c> of the run folder: <c>state.json</c> and the
/// weight files it names. One round's checkpoint is committed as a unit: its global weights go to a new file tagged with
/// the round (<see cref="RoundWeightsName"/>), then the state naming that file replaces the old state (temp file,
/// flush, rename), and only then are the files no state names any more removed (<see cref="RemoveUnreferenced"/>).
/// A run killed at any point therefore leaves a state whose files are all there and all of its own round, and
/// <c>fedactors resume</c> continues from exactly that round. <see cref="Read"/> checks the version and that every
/// file named is a plain name of this folder's own pattern that exists.
/// </summary>
public sealed record Checkpoint
{
    public const string Folder = "checkpoint";

    /// <summary>The state format this FedActors writes and reads (2: round-tagged weight files).</summary>
    public const int CurrentVersion = 2;

    private const string StateFile = "state.json";
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private static readonly Regex WeightsName =
        new(@"^((global|server)-a\d{1,4}-s\d{1,4}-p\d{1,4}-r\d{1,6}|ssl-a\d{1,4}-s\d{1,4})\.weights$", RegexOptions.CultureInvariant);

    [JsonRequired]
    public int Version { get; init; } = CurrentVersion;
    public long Seed { get; init; }
    public int ArmIndex { get; init; }
    public int StageIndex { get; init; }
    public int PhaseIndex { get; init; }
    public int RoundsDone { get; init; }

    /// <summary>The global weights after <see cref="RoundsDone"/> (a file of this folder), or null at an arm's end.</summary>
    public string? GlobalFile { get; init; }

    /// <summary>The strategy's server state after <see cref="RoundsDone"/> (a file of this folder), or null when it keeps none.</summary>
    public string? ServerStateFile { get; init; }

    /// <summary>The arm's SimCLR result that a later stage starts from (a file of this folder), or null.</summary>
    public string? SslFile { get; init; }
    public long MetricsBytes { get; init; }
    public double WallSecondsBefore { get; init; }
    public double ArmSecondsBefore { get; init; }
    public IReadOnlyList<SavedArm> FinishedArms { get; init; } = [];
    public IReadOnlyList<SavedClientResult> ArmResults { get; init; } = [];
    public IReadOnlyList<SavedClientResult> StageLastEvaluation { get; init; } = [];
    public SavedCounts ArmCounts { get; init; } = new();

    /// <summary>Simulated seconds of the arm so far (<c>simulation.clock</c>), so the resumed clock goes on from there.</summary>
    public double SimulatedSeconds { get; init; }

    public static string PathIn(string runDir) => System.IO.Path.Combine(runDir, Folder, StateFile);

    /// <summary>The file of one round's global weights: arm, stage, phase (indices) and round of the run.</summary>
    public static string RoundWeightsName(int arm, int stage, int phase, int round) =>
        string.Create(CultureInfo.InvariantCulture, $"global-a{arm}-s{stage}-p{phase}-r{round}.weights");

    /// <summary>The file of the strategy's server state after one round.</summary>
    public static string ServerStateName(int arm, int stage, int phase, int round) =>
        string.Create(CultureInfo.InvariantCulture, $"server-a{arm}-s{stage}-p{phase}-r{round}.weights");

    /// <summary>The file of the SimCLR result of an arm's stage, which later stages of the arm start from.</summary>
    public static string SslWeightsName(int arm, int stage) => string.Create(CultureInfo.InvariantCulture, $"ssl-a{arm}-s{stage}.weights");

    /// <summary>The run's checkpoint, or null when it has none (it stopped before its first round ended).</summary>
    /// <exception cref="InvalidDataException">The state is unreadable, of another version, or names a file it may not.</exception>
    public static Checkpoint? Read(string runDir)
    {
        var path = PathIn(runDir);
        if (!File.Exists(path)) return null;
        Checkpoint state;
        try
        {
            state = JsonSerializer.Deserialize<Checkpoint>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty checkpoint");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: unreadable checkpoint: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or DecoderFallbackException)
        {
            throw new InvalidDataException($"{path}: unreadable checkpoint: {ex.Message}", ex);
        }
        state.Check(path, runDir);
        return state;
    }

    /// <summary>Writes the state atomically: temp file, flush to disk, rename over the old state.</summary>
    public void Write(string runDir)
    {
        var path = PathIn(runDir);
        var tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, this, Json);
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// Deletes every weight file (and any temp file a killed write left) of the checkpoint folder that this state does
    /// not name. Call it after <see cref="Write"/>: what the previous state named is needed until this one is in place.
    /// </summary>
    public void RemoveUnreferenced(string runDir)
    {
        var folder = System.IO.Path.Combine(runDir, Folder);
        if (!Directory.Exists(folder)) return;
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            var name = System.IO.Path.GetFileName(file);
            var stale = name.EndsWith(".tmp", StringComparison.Ordinal)
                || (WeightsName.IsMatch(name) && name != GlobalFile && name != SslFile && name != ServerStateFile);
            if (stale) File.Delete(file);
        }
    }

    public static string WeightsPath(string runDir, string file) => System.IO.Path.Combine(runDir, Folder, file);

    private void Check(string path, string runDir)
    {
        if (Version != CurrentVersion)
            throw new InvalidDataException($"{path}: checkpoint version {Version}; this FedActors resumes version {CurrentVersion} only (start the run again)");
        if (ArmIndex < 0 || StageIndex < 0 || PhaseIndex < 0 || RoundsDone < 0 || MetricsBytes < 0)
            throw new InvalidDataException($"{path}: negative arm, stage, phase, round or metrics length");
        foreach (var (key, file) in new[] { ("global_file", GlobalFile), ("ssl_file", SslFile), ("server_state_file", ServerStateFile) })
        {
            if (file is null) continue;
            if (!WeightsName.IsMatch(file))
                throw new InvalidDataException($"{path}: {key} '{file}' is not a checkpoint weight file name (a plain name such as global-a0-s0-p0-r1.weights)");
            if (!File.Exists(WeightsPath(runDir, file)))
                throw new InvalidDataException($"{path}: {key} '{file}' is missing from {System.IO.Path.Combine(runDir, Folder)}");
        }
    }
}

public sealed record SavedClientResult(string Arm, string Task, string Client, double Acc1, double Acc5, long Examples)
{
    public static SavedClientResult From(ClientResult r) => new(r.Arm, r.Task, r.Client, r.Acc1, r.Acc5, r.Examples);

    public ClientResult ToResult() => new(Arm, Task, Client, Acc1, Acc5, Examples);
}

public sealed record SavedCounts(int Unavailable = 0, int Dropped = 0, int Late = 0, int Rejected = 0, int Restarts = 0, int Failed = 0)
{
    public static SavedCounts From(RoundCounts c) => new(c.Unavailable, c.Dropped, c.Late, c.Rejected, c.Restarts, c.Failed);

    public RoundCounts ToCounts() => new(Unavailable, Dropped, Late, Rejected, Restarts, Failed);
}

public sealed record SavedArm(string Arm, IReadOnlyList<SavedClientResult> Clients, double WallSeconds, string Budget, SavedCounts Counts)
{
    public static SavedArm From(ArmResult a) =>
        new(a.Arm, a.Clients.Select(SavedClientResult.From).ToList(), a.WallSeconds, a.Budget, SavedCounts.From(a.Counts));

    public ArmResult ToResult() =>
        new(Arm, Clients.Select(c => c.ToResult()).ToList(), WallSeconds, Budget) { Counts = Counts.ToCounts() };
}
