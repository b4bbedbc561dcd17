using FedActors.Core;
using FedActors.Engine;

namespace FedActors.Testing.Tests;

public class RoundOutcomeSpec
{
    private static readonly RoundReport Report = new(
        "fl", Phases.SimClr, 2, 5, FakeModel.Weights(("w", [1.5f])),
        [new FitRes("a", 2, FakeModel.Weights(("w", [1f])), 1, new Dictionary<string, double>())],
        [],
        [
            new ClientFailure("b", 2, "dropped: no reply within 00:00:30"),
            new ClientFailure("c", 2, "rejected: tensor 'w' holds NaN at index 0"),
        ],
        new Dictionary<string, double>(), new Dictionary<string, double>(), TimeSpan.Zero, 1, 0, 0)
    {
        Participants = ["a", "b", "c"],
        Counts = new RoundCounts(0, 1, 0, 1, 0, 2),
    };

    [Fact]
    public void RoundOutcome_must_pass_when_the_round_went_as_described()
    {
        RoundOutcome.Of(Report).Sampled("c", "b", "a").Aggregated("a").Dropped("b").Late().Crashed()
            .Rejected("c", "NaN").Failed("b", "00:00:30").Attempts(1).Restarts(0).Global("w", 1.5f);
    }

    [Fact]
    public void RoundOutcome_must_fail_with_an_account_of_the_round()
    {
        var error = Assert.Throws<RoundAssertionException>(() => RoundOutcome.Of(Report).Aggregated("a", "b"));

        Assert.Contains("expected aggregated [a, b], was [a]", error.Message, StringComparison.Ordinal);
        Assert.Contains("round 2/5 of phase 'simclr' (arm 'fl')", error.Message, StringComparison.Ordinal);
        Assert.Contains("b: dropped: no reply within 00:00:30", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RoundOutcome_must_fail_each_expectation_that_does_not_hold()
    {
        var outcome = RoundOutcome.Of(Report);

        Assert.Throws<RoundAssertionException>(() => outcome.NoFailures());
        Assert.Throws<RoundAssertionException>(() => outcome.Dropped("c"));
        Assert.Throws<RoundAssertionException>(() => outcome.Rejected("b"));           // failed, but not rejected
        Assert.Throws<RoundAssertionException>(() => outcome.Rejected("c", "shape"));
        Assert.Throws<RoundAssertionException>(() => outcome.Failed("a"));
        Assert.Throws<RoundAssertionException>(() => outcome.Restarts(1));
        Assert.Throws<RoundAssertionException>(() => outcome.Global("w", 1.6f));
        Assert.Throws<RoundAssertionException>(() => outcome.Global("v", 1.5f));
        Assert.Throws<RoundAssertionException>(() => outcome.Sampled("a"));
    }

    [Fact]
    public void RoundOutcome_must_say_where_to_get_the_global_of_a_report_that_carries_none()
    {
        var error = Assert.Throws<RoundAssertionException>(
            () => RoundOutcome.Of(Report with { Global = ModelWeights.Empty }).Global("w", 1.5f));

        Assert.Contains("the report carries no global weights", error.Message, StringComparison.Ordinal);
        Assert.Contains("onRound", error.Message, StringComparison.Ordinal);
    }
}
