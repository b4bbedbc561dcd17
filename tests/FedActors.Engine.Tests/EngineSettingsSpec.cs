using Akka.Configuration;

namespace FedActors.Engine.Tests;

public class EngineSettingsSpec
{
    [Fact]
    public void EngineSettings_must_read_every_key()
    {
        var settings = EngineSettings.Create(ConfigurationFactory.ParseString("""
            trainer-slots = 3
            round-timeout = 45s
            min-fit-results = 2
            on-failed-round = retry
            max-retries = 4
            sampling { fraction = 0.25, min-clients = 3 }
            validation.max-update-norm = 12.5
            """));

        Assert.Equal(new EngineSettings(3, TimeSpan.FromSeconds(45), 2, FailedRoundPolicy.Retry, 4, 0.25, 3, 12.5), settings);
        Assert.Equal(2, settings.QuorumOf(5));
        Assert.Equal(3, settings.SampleSizeOf(8));  // ceil(0.25 * 8) = 2, raised to min-clients
        Assert.Equal(5, settings.SampleSizeOf(20));
        Assert.Equal(2, settings.SampleSizeOf(2));  // never more than are available
    }

    [Fact]
    public void EngineSettings_must_need_at_least_one_result_when_the_quorum_is_all()
    {
        Assert.Equal(1, EngineSettings.Default.QuorumOf(0));
        Assert.Equal(4, EngineSettings.Default.QuorumOf(4));
    }

    [Fact]
    public void EngineSettings_must_read_all_and_infinite()
    {
        var settings = EngineSettings.Create(ConfigurationFactory.ParseString("""
            round-timeout = infinite
            min-fit-results = all
            on-failed-round = accept-partial
            """));

        Assert.Equal(Timeout.InfiniteTimeSpan, settings.RoundTimeout);
        Assert.Null(settings.MinFitResults);
        Assert.Equal(7, settings.QuorumOf(7));
        Assert.Equal(FailedRoundPolicy.AcceptPartial, settings.OnFailedRound);
    }

    [Fact]
    public void EngineSettings_must_take_defaults_for_missing_keys()
    {
        Assert.Equal(EngineSettings.Default, EngineSettings.Create(ConfigurationFactory.Empty));
        Assert.Equal(EngineSettings.Default with { TrainerSlots = 2 },
            EngineSettings.Create(ConfigurationFactory.ParseString("trainer-slots = 2")));
    }

    [Theory]
    [InlineData("trainer-slots = 0", "fedactors.engine.trainer-slots")]
    [InlineData("trainer-slots = many", "fedactors.engine.trainer-slots")]
    [InlineData("round-timeout = 0s", "fedactors.engine.round-timeout")]
    [InlineData("min-fit-results = 0", "fedactors.engine.min-fit-results")]
    [InlineData("min-fit-results = most", "fedactors.engine.min-fit-results")]
    [InlineData("on-failed-round = ignore", "fedactors.engine.on-failed-round")]
    [InlineData("max-retries = -1", "fedactors.engine.max-retries")]
    [InlineData("sampling.fraction = 0", "fedactors.engine.sampling.fraction")]
    [InlineData("sampling.fraction = 1.5", "fedactors.engine.sampling.fraction")]
    [InlineData("sampling.min-clients = 0", "fedactors.engine.sampling.min-clients")]
    [InlineData("validation.max-update-norm = -1", "fedactors.engine.validation.max-update-norm")]
    [InlineData("validation.max-update-norm = lots", "fedactors.engine.validation.max-update-norm")]
    [InlineData("fetch-window = 0", "fedactors.engine.fetch-window")]
    public void EngineSettings_must_reject_bad_values_naming_the_key(string hocon, string key)
    {
        var error = Assert.Throws<ConfigurationException>(() => EngineSettings.Create(ConfigurationFactory.ParseString(hocon)));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EngineSettings_must_refuse_the_root_config()
    {
        var root = ConfigurationFactory.ParseString("fedactors.engine.trainer-slots = 4");

        Assert.Throws<ConfigurationException>(() => EngineSettings.Create(root));
        Assert.Equal(4, EngineSettings.Create(root.GetConfig("fedactors.engine")).TrainerSlots);
    }

    [Fact]
    public void EngineSettings_must_match_the_documented_defaults()
    {
        var documented = DocumentedSections().ToList();
        Assert.NotEmpty(documented);
        foreach (var (source, text) in documented)
        {
            var section = ConfigurationFactory.ParseString(text).GetConfig("fedactors.engine");
            Assert.False(section is null || section.IsEmpty, $"{source} has no fedactors.engine section");
            Assert.Equal(EngineSettings.Default, EngineSettings.Create(section));
        }
    }

    private static IEnumerable<(string Source, string Text)> DocumentedSections()
    {
        foreach (var file in new[] { "engine.conf.part", "faults.conf.part" })
        {
            var part = Path.Combine(AppContext.BaseDirectory, file);
            if (File.Exists(part)) yield return (file, File.ReadAllText(part));
        }
        using var stream = typeof(EngineSettings).Assembly.GetManifestResourceStream("FedActors.Engine.reference.conf");
        if (stream is null) yield break;
        using var reader = new StreamReader(stream);
        var reference = reader.ReadToEnd();
        if (reference.Contains("engine", StringComparison.Ordinal)) yield return ("reference.conf", reference);
    }
}
