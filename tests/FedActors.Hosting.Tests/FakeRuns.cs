using FedActors.Hosting.Configuration;

namespace FedActors.Hosting.Tests;

/// <summary>Finished run folders written by hand: config.conf as a run writes it, summary.json by the real <see cref="SummaryWriter"/>.</summary>
internal static class FakeRuns
{
    public static readonly string[] Tasks = ["shapes", "textures"];

    /// <summary>
    /// Results of the default arms (cl, the baseline, then fl+ssl) on two tasks. cl has one pooled client per
    /// task; fl+ssl has two shapes clients of 100 and 300 images, so its shapes value is (a1 + 3 a2) / 4.
    /// </summary>
    public static ArmResult[] Arms(double clShapes, double clTextures, double flShapes1, double flShapes3, double flTextures, double clSeconds, double flSeconds) =>
    [
        new ArmResult("cl", [
            new ClientResult("cl", "shapes", "central-shapes", clShapes, 1, 400),
            new ClientResult("cl", "textures", "central-textures", clTextures, 1, 200),
        ], clSeconds, "cl budget"),
        new ArmResult("fl+ssl", [
            new ClientResult("fl+ssl", "shapes", "shapes-0", flShapes1, 1, 100),
            new ClientResult("fl+ssl", "shapes", "shapes-1", flShapes3, 1, 300),
            new ClientResult("fl+ssl", "textures", "textures-0", flTextures, 1, 200),
        ], flSeconds, "fl+ssl budget"),
    ];

    /// <summary>Writes <paramref name="parent"/>/<paramref name="name"/> with the resolved configuration of <paramref name="sets"/> and the seed.</summary>
    public static string Write(string parent, string name, long seed, IReadOnlyList<ArmResult> arms, params string[] sets)
    {
        var dir = Path.Combine(parent, name);
        WriteConfig(dir, seed, sets);
        File.WriteAllText(Path.Combine(dir, "summary.json"), SummaryWriter.Json(new RunSummary(arms, "cl", Tasks, 1)));
        return dir;
    }

    /// <summary>A run folder whose run has not finished: config.conf only.</summary>
    public static string WriteConfig(string dir, long seed, params string[] sets)
    {
        Directory.CreateDirectory(dir);
        // Each run writes its own folder into output.dir: a key in which runs of one experiment differ.
        var loaded = ConfigLoader.Load([], [.. sets, $"fedactors.seed={seed}", $"fedactors.output.dir=\"{dir}\""]);
        File.WriteAllText(Path.Combine(dir, "config.conf"), HoconWriter.Write(loaded.Config, ConfigLoader.Reference()));
        return dir;
    }

    /// <summary>Rewrites the folder's summary.json as runs wrote it before per-client images were recorded.</summary>
    public static void DropImages(string folder)
    {
        var path = Path.Combine(folder, "summary.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        foreach (var row in json["results"]!.AsArray()) row!.AsObject().Remove("images");
        json.AsObject().Remove("tasks");
        File.WriteAllText(path, json.ToJsonString());
    }

    /// <summary>Three seeds with hand-computed statistics (see <c>SeedReportTests</c>), written in the order 3, 1, 2.</summary>
    public static List<string> ThreeSeeds(string parent, params string[] sets) =>
    [
        Write(parent, "s3", 3, Arms(0.52, 0.74, 0.80, 0.60, 0.82, 14, 26), sets),
        Write(parent, "s1", 1, Arms(0.50, 0.70, 0.60, 0.40, 0.80, 10, 20), sets),
        Write(parent, "s2", 2, Arms(0.54, 0.72, 0.70, 0.50, 0.78, 12, 20), sets),
    ];
}
