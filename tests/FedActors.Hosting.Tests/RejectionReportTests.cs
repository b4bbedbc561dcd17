using FedActors.Core;
using FedActors.Engine;

namespace FedActors.Hosting.Tests;

/// <summary>A refused update is counted with the kind of its fault, in metrics.csv and in the summaries.</summary>
public sealed class RejectionReportTests
{
    [Fact]
    public void Metrics_must_count_a_refused_update_by_the_kind_of_its_fault()
    {
        var report = new RoundReport(
            "fl", Phases.SimClr, 3, 5, ModelWeights.Empty, [], [],
            [
                new ClientFailure("a", 3, FailureReasons.Rejected + new UpdateRejection(UpdateRejection.Examples, "reports 9 examples; its shard holds 4")),
                new ClientFailure("b", 3, FailureReasons.Rejected + new UpdateRejection(UpdateRejection.Norm, "update norm 9 exceeds the bound 1")),
                new ClientFailure("c", 3, FailureReasons.Deadline + "00:00:10"),
            ],
            new Dictionary<string, double>(), new Dictionary<string, double>(), TimeSpan.Zero, 1, 0, 0);

        var rows = MetricsLog.Rows(report, new Dictionary<string, string> { ["a"] = "A", ["b"] = "A", ["c"] = "B" });

        Assert.Equal(["a:failed", "a:rejected_examples", "b:failed", "b:rejected_norm", "c:failed"],
            rows.Where(r => r.Client != "*").Select(r => $"{r.Client}:{r.Metric}"));
        var summary = new RunSummary([], "fl", ["A"], 1) { Rejections = RunSummary.CountRejections([.. rows, .. rows]) };
        var counts = Assert.Single(summary.Rejections);
        Assert.Equal("fl", counts.Arm);
        Assert.Equal(new Dictionary<string, int> { ["examples"] = 2, ["norm"] = 2 }, counts.ByKind);
        Assert.Contains("- fl: 2 examples, 2 norm", SummaryWriter.Markdown(summary), StringComparison.Ordinal);
        Assert.Contains("\"rejected_updates\": {\n    \"fl\": {\n      \"examples\": 2,\n      \"norm\": 2", SummaryWriter.Json(summary), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rejected: examples: reports 9 examples", "examples")]
    [InlineData("rejected: non-finite: tensor 'w' holds NaN at index 0", "non-finite")]
    [InlineData("rejected: something else", null)]
    [InlineData("no reply within 00:00:10", null)]
    public void Failure_reason_must_tell_the_kind_of_a_rejection(string reason, string? kind) =>
        Assert.Equal(kind, FailureReasons.RejectionKind(reason));
}
