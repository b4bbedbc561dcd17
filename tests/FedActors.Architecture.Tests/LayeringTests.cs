namespace FedActors.Architecture.Tests;

/// <summary>
/// The layering of <see cref="Layering"/> on the repository's own project files, and the same check run on
/// synthetic project files that break it, so that a check that stops detecting fails here.
/// </summary>
public sealed class LayeringTests
{
    public static TheoryData<string> SourceProjects()
    {
        var data = new TheoryData<string>();
        foreach (var project in Layering.Projects(SourceRoot())) data.Add(project.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void Project_must_keep_to_its_layer(string project)
    {
        var file = Layering.Projects(SourceRoot()).Single(p => p.Name == project);
        var violations = Layering.Violations(file);
        Assert.True(violations.Count == 0, string.Join("; ", violations));
    }

    [Fact]
    public void Layering_must_find_the_source_projects()
    {
        Assert.Equal(Layering.AllowedProjects.Keys.Order(StringComparer.Ordinal), Layering.Projects(SourceRoot()).Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Layering_check_must_catch_an_illegal_project_reference()
    {
        using var src = new SyntheticSource();
        src.Project("FedActors.Core");
        src.Project("FedActors.Learning", references: ["FedActors.Core"]);
        // The Engine may not see Learning (and with it TorchSharp).
        src.Project("FedActors.Engine", references: ["FedActors.Core", "FedActors.Learning"]);

        var violation = Assert.Single(Layering.Check(src.Root));

        Assert.Equal("FedActors.Engine references FedActors.Learning, which its layer may not", violation);
    }

    [Fact]
    public void Layering_check_must_catch_a_forbidden_package()
    {
        using var src = new SyntheticSource();
        src.Project("FedActors.Core", packages: ["Akka.Remote"]);
        src.Project("FedActors.Learning", references: ["FedActors.Core"], packages: ["TorchSharp", "akka"]);

        var violations = Layering.Check(src.Root);

        Assert.Equal(
            ["FedActors.Core references packages Akka.Remote, which its layer may not", "FedActors.Learning references packages akka, which its layer may not"],
            violations);
    }

    [Fact]
    public void Layering_check_must_refuse_a_project_with_no_place()
    {
        using var src = new SyntheticSource();
        src.Project("FedActors.Core");
        src.Project("FedActors.Gpu", references: ["FedActors.Core"]);

        Assert.StartsWith("FedActors.Gpu has no place in the layering", Assert.Single(Layering.Check(src.Root)), StringComparison.Ordinal);
    }

    [Fact]
    public void Layering_check_must_pass_project_files_that_keep_the_layering()
    {
        using var src = new SyntheticSource();
        src.Project("FedActors.Core");
        src.Project("FedActors.Engine", references: ["FedActors.Core"], packages: ["Akka"]);
        src.Project("FedActors.Hosting", references: ["FedActors.Core", "FedActors.Engine"], packages: ["ScottPlot"]);

        Assert.Empty(Layering.Check(src.Root));
    }

    private static string SourceRoot() => Path.Combine(RepoRoot(), "src");

    private static string RepoRoot() =>
        typeof(LayeringTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .Single(a => a.Key == "FedActorsRepoRoot").Value!;

    /// <summary>A temporary src/ folder of project files laid out as the repository's are, one folder per project.</summary>
    private sealed class SyntheticSource : IDisposable
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("fedactors-layering-").FullName;

        /// <summary>Writes src/<paramref name="name"/>/<paramref name="name"/>.csproj, its project references with
        /// Windows separators as Visual Studio writes them.</summary>
        public void Project(string name, string[]? references = null, string[]? packages = null)
        {
            var dir = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
            var items = (references ?? []).Select(r => $@"    <ProjectReference Include=""..\{r}\{r}.csproj"" />")
                .Concat((packages ?? []).Select(p => $@"    <PackageReference Include=""{p}"" />"));
            var xml = string.Join("\n", ["<Project Sdk=\"Microsoft.NET.Sdk\">", "  <ItemGroup>", .. items, "  </ItemGroup>", "</Project>"]);
            File.WriteAllText(Path.Combine(dir, name + ".csproj"), xml);
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }
}
