using Akka.Actor;

namespace FedActors.Engine.Tests;

public class ActorNamesSpec
{
    [Theory]
    [InlineData("client-07", "client-07")]
    [InlineData("site a/b", "site%20a%2Fb")]
    [InlineData("$root", "%24root")]
    [InlineData("100%", "100%25")]
    [InlineData("Zürich", "Z%C3%BCrich")]
    public void ActorNames_must_escape_ids_into_valid_names(string id, string expected)
    {
        var name = ActorNames.Escape(id);
        Assert.Equal(expected, name);
        Assert.True(ActorPath.IsValidPathElement(name));
    }

    [Fact]
    public void ActorNames_must_keep_distinct_ids_distinct()
    {
        string[] ids = ["a b", "a%20b", "a_b", "a+b", "a%b"];
        Assert.Equal(ids.Length, ids.Select(ActorNames.Escape).Distinct().Count());
    }
}

public class MetricMeansSpec
{
    [Fact]
    public void MetricMeans_must_weight_by_examples_over_the_items_reporting_each_metric()
    {
        var means = MetricMeans.Weighted(
        [
            (1, new Dictionary<string, double> { ["loss"] = 2.0, ["acc1"] = 0.5 }),
            (3, new Dictionary<string, double> { ["loss"] = 6.0 }),
            (0, new Dictionary<string, double> { ["loss"] = 1000.0 }),
        ]);

        Assert.Equal(["acc1", "loss"], means.Keys);
        Assert.Equal(0.5, means["acc1"]);
        Assert.Equal(5.0, means["loss"]); // (1*2 + 3*6) / 4
    }
}
