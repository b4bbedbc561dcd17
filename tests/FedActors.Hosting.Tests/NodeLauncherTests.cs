using FedActors.Hosting.Configuration;

namespace FedActors.Hosting.Tests;

public sealed class NodeLauncherTests
{
    private static string Setup(params string[] sets)
    {
        var loaded = ConfigLoader.Load([], sets);
        return NodeLauncher.Setup(loaded, RunSettings.Create(loaded));
    }

    [Fact]
    public void Setup_must_differ_when_a_node_trains_differently_and_agree_when_only_node_local_keys_differ()
    {
        var coordinator = Setup();
        Assert.StartsWith("seed 1, settings ", coordinator, StringComparison.Ordinal);
        Assert.NotEqual(coordinator, Setup("fedactors.seed=2"));
        Assert.NotEqual(coordinator, Setup("fedactors.model.width=0.5"));
        Assert.NotEqual(coordinator, Setup("fedactors.heads.lr=0.1"));
        Assert.NotEqual(coordinator, Setup("fedactors.data.image-size=64"));
        Assert.NotEqual(coordinator, Setup("fedactors.precision=bf16"));
        Assert.NotEqual(coordinator, Setup("fedactors.memory-format=channels-last"));
        Assert.Equal(coordinator, Setup("fedactors.device=cpu", "fedactors.torch-threads=3", "fedactors.engine.trainer-slots=4",
            "fedactors.cluster.role=coordinator", "fedactors.data.clients=[{id = x, task = shapes}]"));
    }

    [Fact]
    public void Client_shares_must_cover_every_client_once()
    {
        var clients = RunSettings.Create(ConfigLoader.Load([], [
            "fedactors.data.clients=[{id = e, task = shapes}, {id = a, task = shapes}, {id = c, task = textures}, {id = b, task = textures}, {id = d, task = shapes}]",
        ])).Data.Clients;
        var shares = Enumerable.Range(1, 2).Select(k => ClientShare.Parse($"{k}/2").Of(clients).Select(c => c.Id).ToList()).ToList();
        Assert.Equal(["a", "c", "e"], shares[0]);
        Assert.Equal(["b", "d"], shares[1]);
    }

    [Theory]
    [InlineData("0/2")]
    [InlineData("3/2")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("-1/2")]
    public void Client_share_must_refuse_what_is_not_K_of_N(string text)
    {
        var e = Assert.Throws<ConfigException>(() => ClientShare.Parse(text));
        Assert.Contains("--clients", e.Message, StringComparison.Ordinal);
    }
}
