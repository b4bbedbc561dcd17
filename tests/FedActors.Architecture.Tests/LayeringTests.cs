using System.Xml.Linq;

namespace FedActors.Architecture.Tests;

/// <summary>
/// The dependency direction of DESIGN.md, checked on the project files: a project may reference only
/// the projects and package families listed for it. A new project must state its place here.
/// </summary>
public sealed class LayeringTests
{
    /// <summary>Project -> the FedActors projects it may reference directly.</summary>
    private static readonly Dictionary<string, string[]> AllowedProjects = new()
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
    private static readonly Dictionary<string, string[]> ForbiddenPackages = new()
    {
        ["FedActors.Core"] = ["Akka", "TorchSharp", "libtorch", "SixLabors"],
        ["FedActors.Data"] = ["Akka", "TorchSharp", "libtorch"],
        ["FedActors.Learning"] = ["Akka"],
        ["FedActors.Engine"] = ["TorchSharp", "libtorch", "SixLabors"],
        ["FedActors.Cluster"] = ["TorchSharp", "libtorch"],
        ["FedActors.Testing"] = ["TorchSharp", "libtorch"],
    };

    public static TheoryData<string> SourceProjects()
    {
        var data = new TheoryData<string>();
        foreach (var p in Directory.GetFiles(Path.Combine(RepoRoot(), "src"), "*.csproj", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(p));
        return data;
    }

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void Project_must_reference_only_the_layers_beneath_it(string project)
    {
        Assert.True(AllowedProjects.ContainsKey(project), $"{project} has no place in the layering: add it to DESIGN.md and to {nameof(AllowedProjects)}");
        var references = ProjectReferences(project);
        var illegal = references.Except(AllowedProjects[project]).ToList();
        Assert.True(illegal.Count == 0, $"{project} references {string.Join(", ", illegal)}, which its layer may not");
    }

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void Project_must_not_reference_forbidden_packages(string project)
    {
        if (!ForbiddenPackages.TryGetValue(project, out var forbidden)) return;
        var packages = Csproj(project).Descendants("PackageReference").Select(e => (string?)e.Attribute("Include") ?? "").ToList();
        var illegal = packages.Where(p => forbidden.Any(f => p.StartsWith(f, StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.True(illegal.Count == 0, $"{project} references packages {string.Join(", ", illegal)}, which its layer may not");
    }

    [Fact]
    public void Layering_check_must_catch_an_illegal_reference()
    {
        // The check itself must be able to fail: the Engine may not see Learning (TorchSharp).
        Assert.DoesNotContain("FedActors.Learning", AllowedProjects["FedActors.Engine"]);
        Assert.Contains("FedActors.Core", ProjectReferences("FedActors.Learning"));
    }

    private static IReadOnlyList<string> ProjectReferences(string project) =>
        Csproj(project).Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(((string?)e.Attribute("Include") ?? "").Replace('\\', '/')))
            .ToList();

    private static XDocument Csproj(string project)
    {
        var path = Directory.GetFiles(Path.Combine(RepoRoot(), "src"), project + ".csproj", SearchOption.AllDirectories).Single();
        return XDocument.Load(path);
    }

    private static string RepoRoot() =>
        typeof(LayeringTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .Single(a => a.Key == "FedActorsRepoRoot").Value!;
}
