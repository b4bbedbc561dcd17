using System.Text.Json;
using System.Text.Json.Serialization;
using FedActors.Core;
using FedActors.Engine;

namespace FedActors.Hosting;

/// <summary>
/// Where a run stands after its last finished round, in <c>checkpoint/</c> of the run folder:
/// <c>state.json</c> plus the global weights (and an arm's SimCLR result) as weights files. Written after
/// every round, weights first, state last, each atomically (temp file, flush, rename), so a killed run
/// leaves either the previous checkpoint or the new one. <c>fedactors resume</c> continues from it.
/// </summary>
public sealed record Checkpoint
{
    public const string Folder = "checkpoint";
    private const string StateFile = "state.json";
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public int Version { get; init; } = 1;
    public long Seed { get; init; }
    public int ArmIndex { get; init; }
    public int StageIndex { get; init; }
    public int PhaseIndex { get; init; }
    public int RoundsDone { get; init; }
    public string? GlobalFile { get; init; }
    public string? SslFile { get; init; }
    public long MetricsBytes { get; init; }
    public double WallSecondsBefore { get; init; }
    public double ArmSecondsBefore { get; init; }
    public IReadOnlyList<SavedArm> FinishedArms { get; init; } = [];
    public IReadOnlyList<SavedClientResult> ArmResults { get; init; } = [];
    public IReadOnlyList<SavedClientResult> StageLastEvaluation { get; init; } = [];
    public SavedCounts ArmCounts { get; init; } = new();

    public static string PathIn(string runDir) => System.IO.Path.Combine(runDir, Folder, StateFile);

    public static Checkpoint? Read(string runDir)
    {
        var path = PathIn(runDir);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<Checkpoint>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty checkpoint");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: unreadable checkpoint: {ex.Message}", ex);
        }
    }

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

    public static string WeightsPath(string runDir, string file) => System.IO.Path.Combine(runDir, Folder, file);
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
