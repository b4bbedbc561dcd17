using FedActors.Hosting.Reporting;

namespace FedActors.Hosting.Tests;

public sealed class RunConfigTests
{
    private const string Conf = """
        fedactors {
          seed = "4"
          arms = ["cl", "fl+ssl"]
          baseline-arm = "cl"
          output { dir = "runs/s4" }
          data { clients = [{ id = "a", images = "10" }, { id = "b", images = "20" }], splits = [] }
          heads { lr = "0.01" }
        }
        """;

    [Fact]
    public void Config_must_flatten_to_key_paths_in_file_order()
    {
        var config = RunConfig.Parse(Conf, "x.conf");
        Assert.Equal(
            [
                "fedactors.seed", "fedactors.arms[0]", "fedactors.arms[1]", "fedactors.baseline-arm", "fedactors.output.dir",
                "fedactors.data.clients[0].id", "fedactors.data.clients[0].images", "fedactors.data.clients[1].id",
                "fedactors.data.clients[1].images", "fedactors.data.splits", "fedactors.heads.lr",
            ],
            config.Values.Select(v => v.Key));
        Assert.Equal("20", config.Value("fedactors.data.clients[1].images"));
        Assert.Equal("[]", config.Value("fedactors.data.splits"));
        Assert.Equal(4, config.Seed);
        Assert.Equal(["cl", "fl+ssl"], config.Arms);
        Assert.Equal("cl", config.BaselineArm);
    }

    [Fact]
    public void Difference_must_ignore_seed_and_output_folder()
    {
        var a = RunConfig.Parse(Conf, "a.conf");
        var b = RunConfig.Parse(Conf.Replace("\"4\"", "\"5\"", StringComparison.Ordinal).Replace("runs/s4", "runs/s5", StringComparison.Ordinal), "b.conf");
        Assert.Null(a.FirstDifference(b));
    }

    [Fact]
    public void Difference_must_name_the_first_differing_key_inside_a_list()
    {
        var a = RunConfig.Parse(Conf, "a.conf");
        var b = RunConfig.Parse(Conf.Replace("\"20\"", "\"30\"", StringComparison.Ordinal).Replace("0.01", "0.02", StringComparison.Ordinal), "b.conf");
        Assert.Equal(("fedactors.data.clients[1].images", "20", "30"), a.FirstDifference(b));
    }

    [Fact]
    public void Difference_must_name_a_key_only_one_config_has()
    {
        var a = RunConfig.Parse(Conf, "a.conf");
        var b = RunConfig.Parse(Conf.Replace("heads { lr = \"0.01\" }", "heads { lr = \"0.01\", rounds = \"3\" }", StringComparison.Ordinal), "b.conf");
        Assert.Equal(("fedactors.heads.rounds", null, "3"), a.FirstDifference(b));
        Assert.Equal(("fedactors.heads.rounds", "3", null), b.FirstDifference(a));
    }

    [Fact]
    public void Runs_of_other_arms_must_be_one_experiment()
    {
        var a = RunConfig.Parse(Conf, "a.conf");
        var b = RunConfig.Parse(Conf.Replace("[\"cl\", \"fl+ssl\"]", "[\"cl\"]", StringComparison.Ordinal), "b.conf");
        var c = RunConfig.Parse(Conf.Replace("[\"cl\", \"fl+ssl\"]", "[\"fl\"]", StringComparison.Ordinal), "c.conf");
        Assert.Null(a.FirstDifference(b));
        Assert.Null(b.FirstDifference(a));
        Assert.Null(b.FirstDifference(c));
        Assert.Equal(["fl"], c.Arms);
    }

    [Fact]
    public void A_run_of_supervised_arms_only_must_not_be_compared_on_settings_it_never_reads()
    {
        var conf = Conf.Replace("heads { lr = \"0.01\" }", "heads { lr = \"0.01\" }\n simclr { rounds = \"30\" }\n heads-strategy { name = \"fedavg\" }\n supervised { lr = \"0.01\" }", StringComparison.Ordinal);
        RunConfig Of(string arms, string headsLr = "0.01", string simclrRounds = "30", string headsStrategy = "fedavg", string supervisedLr = "0.01") =>
            RunConfig.Parse(
                conf.Replace("[\"cl\", \"fl+ssl\"]", arms, StringComparison.Ordinal)
                    .Replace("heads { lr = \"0.01\" }", $"heads {{ lr = \"{headsLr}\" }}", StringComparison.Ordinal)
                    .Replace("\"30\"", $"\"{simclrRounds}\"", StringComparison.Ordinal)
                    .Replace("\"fedavg\"", $"\"{headsStrategy}\"", StringComparison.Ordinal)
                    .Replace("supervised { lr = \"0.01\" }", $"supervised {{ lr = \"{supervisedLr}\" }}", StringComparison.Ordinal),
                arms + ".conf");
        var tuned = Of("[\"fl+ssl\"]", headsLr: "0.0025", simclrRounds: "60", headsStrategy: "fedadam");

        // cl and fl train the supervised phase alone: the SimCLR and heads settings of their runs are not theirs.
        Assert.Null(Of("[cl]").FirstDifference(tuned));
        Assert.Null(tuned.FirstDifference(Of("[fl]")));
        Assert.Null(Of("[cl]").FirstDifference(Of("[fl]", headsLr: "0.1")));
        // An arm that reads them is compared on them, from either side.
        Assert.Equal(("fedactors.heads.lr", "0.01", "0.0025"), Of("[cl, \"fl+ssl\"]").FirstDifference(tuned));
        Assert.Equal(("fedactors.simclr.rounds", "30", "60"), Of("[\"cl+ssl\"]", headsLr: "0.0025", headsStrategy: "fedadam").FirstDifference(tuned));
        Assert.Equal(("fedactors.heads-strategy.name", "fedadam", "fedavg"), tuned.FirstDifference(Of("[\"fl+ssl\"]", headsLr: "0.0025", simclrRounds: "60")));
        // The supervised settings stay compared for everyone (the heads phase reads supervised.augment).
        Assert.Equal(("fedactors.supervised.lr", "0.02", "0.01"), Of("[cl]", supervisedLr: "0.02").FirstDifference(tuned));
        Assert.True(tuned.Reads("fedactors.heads.lr"));
        Assert.False(Of("[cl]").Reads("fedactors.heads.lr"));
        Assert.True(Of("[cl]").Reads("fedactors.headsx.lr"));
    }

    [Theory]
    [InlineData("fedactors { arms = [cl], baseline-arm = cl }", "fedactors.seed is missing")]
    [InlineData("fedactors { seed = x, arms = [cl], baseline-arm = cl }", "fedactors.seed = 'x' is not an integer")]
    [InlineData("fedactors { seed = 1, baseline-arm = cl }", "fedactors.arms is missing")]
    [InlineData("fedactors { seed = 1, arms = [cl] }", "fedactors.baseline-arm is missing")]
    [InlineData("fedactors { seed = ${nowhere} }", "cannot parse HOCON")]
    public void Config_that_is_not_a_runs_must_be_refused_naming_the_file(string hocon, string problem)
    {
        var ex = Assert.Throws<ReportException>(() => RunConfig.Parse(hocon, "run/config.conf"));
        Assert.Contains("run/config.conf: " + problem, ex.Message, StringComparison.Ordinal);
    }
}
