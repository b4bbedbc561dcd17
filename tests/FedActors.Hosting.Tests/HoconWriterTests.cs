using Akka.Configuration;
using FedActors.Hosting.Configuration;

namespace FedActors.Hosting.Tests;

public sealed class HoconWriterTests
{
    [Fact]
    public void Written_config_must_parse_back_to_the_same_values()
    {
        var loaded = ConfigLoader.Load([], ["fedactors.output.dir=/tmp/with space:colon", "fedactors.simclr.rounds=7", "fedactors.arms=[\"fl+ssl\", cl]", "fedactors.model.blocks=[]"]);
        var text = HoconWriter.Write(loaded.Config, ConfigLoader.Reference());
        var reparsed = ConfigurationFactory.ParseString(text);

        Assert.Equal("/tmp/with space:colon", reparsed.GetString("fedactors.output.dir"));
        Assert.Equal(7, reparsed.GetInt("fedactors.simclr.rounds"));
        Assert.Equal(["fl+ssl", "cl"], reparsed.GetStringList("fedactors.arms"));
        Assert.Equal(loaded.Config.GetDouble("fedactors.simclr.lr"), reparsed.GetDouble("fedactors.simclr.lr"));
        Assert.Equal(2, reparsed.GetValue("fedactors.data.clients").GetArray().Count);
        Assert.Empty(reparsed.GetIntList("fedactors.model.blocks"));
        // The written file is itself a valid user config.
        var again = RunSettings.Create(ConfigLoaderTestsAccess.FromText(text));
        Assert.Equal(7, again.Rounds.SimClr);
    }
}

internal static class ConfigLoaderTestsAccess
{
    public static LoadedConfig FromText(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), "fedactors-writer-" + Guid.NewGuid().ToString("N") + ".conf");
        File.WriteAllText(path, text);
        try
        {
            return ConfigLoader.Load([path], []);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
