using System.Runtime.CompilerServices;

namespace FedActors.Data.Tests.Loaders;

/// <summary>
/// The developer mini datasets kept beside the repository at &lt;repo&gt;/../shared/datasets (research
/// data: never copied into the repo). A fresh clone has none, so tests that need them skip.
/// </summary>
internal static class SharedDatasets
{
    public const string Flowers = "flowers102-mini";
    public const string Intel = "intel-scene-mini";

    public static string? Find(string name)
    {
        // The test binaries may live outside the repo (--artifacts-path), so also start from this source file.
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(ThisFile()) })
        {
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "FedActors.sln"))) continue;
                var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "datasets", name));
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    public static string Require(string name) =>
        Find(name) ?? throw new InvalidOperationException($"shared dataset {name} vanished after discovery");

    private static string ThisFile([CallerFilePath] string path = "") => path;
}

/// <summary>A fact that is skipped, saying why, when a shared dataset is absent.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SharedDatasetFactAttribute : FactAttribute
{
    public SharedDatasetFactAttribute(string dataset)
    {
        Dataset = dataset;
        if (SharedDatasets.Find(dataset) is null)
            Skip = $"shared dataset '{dataset}' not found at <repo>/../shared/datasets/{dataset} (present on CI, absent in a fresh clone)";
    }

    public string Dataset { get; }
}
