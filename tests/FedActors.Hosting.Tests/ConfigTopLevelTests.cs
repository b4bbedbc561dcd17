using FedActors.Hosting.Configuration;

namespace FedActors.Hosting.Tests;

/// <summary>Keys outside <c>fedactors</c> and <c>akka</c> are typos: refused with the key, its source and a suggestion.</summary>
public sealed class ConfigTopLevelTests
{
    [Theory]
    [InlineData("fedactor.simclr.rounds=50", "'fedactor.simclr.rounds'", "did you mean 'fedactors'?")]
    [InlineData("seed=3", "'seed'", "did you mean 'fedactors.seed'?")]
    [InlineData("aka.loglevel=DEBUG", "'aka.loglevel'", "did you mean 'akka'?")]
    [InlineData("simclr.rounds=50", "'simclr.rounds'", "did you mean 'fedactors.simclr'?")]
    [InlineData("zzzzzz=1", "'zzzzzz'", "may be set")]
    public void Loader_must_refuse_an_unknown_top_level_key_with_a_suggestion(string assignment, string named, string suggestion)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load([], [assignment]));
        Assert.Contains($"--set {assignment}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unknown top-level key " + named, ex.Message, StringComparison.Ordinal);
        Assert.Contains(suggestion, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loader_must_name_the_file_of_an_unknown_top_level_key()
    {
        using var dir = new TempDir();
        var file = dir.File("typo.conf", "fedactors.seed = 2\nfedactros { simclr.rounds = 5 }\n");
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load([file], []));
        Assert.StartsWith(file + ":", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'fedactros.simclr.rounds'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loader_must_let_akka_settings_through()
    {
        var loaded = ConfigLoader.Load([], ["akka.loglevel=DEBUG", "fedactors.seed=4"]);
        Assert.Equal("DEBUG", loaded.Config.GetString("akka.loglevel"));
        Assert.Equal(4, loaded.Config.GetInt("fedactors.seed"));
    }
}
