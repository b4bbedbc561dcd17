using System.Xml.Linq;

namespace FedActors.Architecture.Tests;

/// <summary>
/// The dependency direction of README.md ("Layout"), as a check over project files: a project may reference only the
/// projects and package families listed for it. A new project must state its place here.
/// </summary>
internal static class Layering
{
    /// <summary>Project -> the FedActors projects it may reference directly.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> AllowedProjects = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["FedActors.Core"] = [],
        ["FedActors.Data"] = ["FedActors.Core"],
        ["FedActors.Learning"] = ["FedActors.Core", "FedActors.Data"],
        ["FedActors.Engine"] = ["FedActors.Core"],
        ["FedActors.Cluster"] = ["FedActors.Core", "FedActors.Engine"],
        ["FedActors.Testing"] = ["FedActors.Core", "FedActors.Engine"],
        ["FedActors.Hosting"] = ["FedActors.Core", "FedActors.Data", "FedActors.Learning", "FedActors.Engine", "FedActors.Cluster"],
        ["FedActors.Cli"] = ["FedActors.Hosting"],
    };

    /// <summary>Project -> package name prefixes it must not reference.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ForbiddenPackages = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["FedActors.Core"] = ["Akka", "TorchSharp", "libtorch", "SixLabors"],
        ["FedActors.Data"] = ["Akka", "TorchSharp", "libtorch"],
        ["FedActors.Learning"] = ["Akka"],
        ["FedActors.Engine"] = ["TorchSharp", "libtorch", "SixLabors"],
        ["FedActors.Cluster"] = ["TorchSharp", "libtorch"],
        ["FedActors.Testing"] = ["TorchSharp", "libtorch"],
    };

    /// <summary>Every project file under <paramref name="sourceRoot"/>, in ordinal order of path.</summary>
    public static IReadOnlyList<ProjectFile> Projects(string sourceRoot) =>
        [.. Directory.GetFiles(sourceRoot, "*.csproj", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(ProjectFile.Load)];

    /// <summary>What <paramref name="project"/> breaks of the layering, one line per broken rule; empty when it keeps it.</summary>
    public static IReadOnlyList<string> Violations(ProjectFile project)
    {
        ArgumentNullException.ThrowIfNull(project);
        if (!AllowedProjects.TryGetValue(project.Name, out var allowed))
            return [$"{project.Name} has no place in the layering: add it to README.md's Layout and to {nameof(Layering)}.{nameof(AllowedProjects)}"];
        var violations = new List<string>();
        var illegal = project.ProjectReferences.Where(r => !allowed.Contains(r, StringComparer.Ordinal)).ToList();
        if (illegal.Count > 0) violations.Add($"{project.Name} references {string.Join(", ", illegal)}, which its layer may not");
        if (ForbiddenPackages.TryGetValue(project.Name, out var forbidden))
        {
            var packages = project.PackageReferences.Where(p => forbidden.Any(f => p.StartsWith(f, StringComparison.OrdinalIgnoreCase))).ToList();
            if (packages.Count > 0) violations.Add($"{project.Name} references packages {string.Join(", ", packages)}, which its layer may not");
        }
        return violations;
    }

    /// <summary>The violations of every project under <paramref name="sourceRoot"/>.</summary>
    public static IReadOnlyList<string> Check(string sourceRoot) => [.. Projects(sourceRoot).SelectMany(Violations)];
}

/// <summary>What the layering reads of one project file: its name and the projects and packages it references.</summary>
internal sealed record ProjectFile(string Name, IReadOnlyList<string> ProjectReferences, IReadOnlyList<string> PackageReferences)
{
    public static ProjectFile Load(string path)
    {
        var xml = XDocument.Load(path);
        return new ProjectFile(
            Path.GetFileNameWithoutExtension(path),
            [.. xml.Descendants("ProjectReference").Select(e => Path.GetFileNameWithoutExtension(Include(e).Replace('\\', '/')))],
            [.. xml.Descendants("PackageReference").Select(Include)]);
    }

    private static string Include(XElement e) => (string?)e.Attribute("Include") ?? "";

    public override string ToString() => Name;
}
