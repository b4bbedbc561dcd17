using System.Reflection;
using FedActors.Hosting.Configuration;

namespace FedActors.Hosting.Tests;

/// <summary>The configuration files shipped in hocon/ load, and default.conf is what it claims to be.</summary>
public sealed class ShippedConfigTests
{
    private static string Hocon(string file) => Path.Combine(
        typeof(ShippedConfigTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "FedActorsRepoRoot").Value!,
        "hocon",
        file);

    [Fact]
    public void Default_conf_must_resolve_to_the_embedded_defaults()
    {
        var reference = ConfigLoader.Reference();
        var embedded = HoconWriter.Write(ConfigLoader.Load([], []).Config, reference);
        var spelledOut = HoconWriter.Write(ConfigLoader.Load([Hocon("default.conf")], []).Config, reference);
        Assert.Equal(embedded, spelledOut);
    }

    [Theory]
    [InlineData("paper-mini.conf")]
    [InlineData("paper-cpu.conf")]
    [InlineData("robustness.conf")]
    [InlineData("cluster-coordinator.conf")]
    [InlineData("cluster-client.conf")]
    [InlineData("faults-demo.conf")]
    public void Shipped_config_must_pass_validation(string file)
    {
        var loaded = ConfigLoader.Load([Hocon(file)], []);
        Assert.NotNull(RunSettings.Create(loaded));
    }

    [Fact]
    public void Paper_conf_must_pass_validation_once_its_roots_are_set()
    {
        var loaded = ConfigLoader.Load([Hocon("paper.conf")], ["fedactors.data.roots.flowers102=/data/f", "fedactors.data.roots.intel-scene=/data/i"]);
        var settings = RunSettings.Create(loaded);
        Assert.Equal(224, settings.Data.ImageSize);
    }

    [Fact]
    public void Dozens_conf_must_pass_validation_from_the_repository_root()
    {
        // Its trace paths are relative to the repository root, where tools/fedactors runs; the test host runs
        // elsewhere, so the same text is validated with those paths made absolute.
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Hocon("dozens.conf")))!;
        var text = File.ReadAllText(Hocon("dozens.conf"));
        Assert.Contains("\"hocon/traces/", text);
        var copy = Path.Combine(Path.GetTempPath(), $"dozens-{Guid.NewGuid():N}.conf");
        File.WriteAllText(copy, text.Replace("\"hocon/traces/", $"\"{root}/hocon/traces/"));
        try
        {
            var settings = RunSettings.Create(ConfigLoader.Load([copy], []));
            Assert.Equal(2, settings.Data.Groups.Count);
        }
        finally
        {
            File.Delete(copy);
        }
    }
}
