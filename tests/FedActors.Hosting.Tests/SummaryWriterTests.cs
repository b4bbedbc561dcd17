using System.Text.Json;

namespace FedActors.Hosting.Tests;

public sealed class SummaryWriterTests
{
    private static RunSummary Sample() => new(
        [
            new ArmResult("cl", [new ClientResult("cl", "a", "central-a", 0.30, 0.60, 100), new ClientResult("cl", "b", "central-b", 0.80, 1.0, 50)], 1.0, "x"),
            new ArmResult("fl+ssl", [
                new ClientResult("fl+ssl", "a", "a1", 0.50, 0.9, 100),
                new ClientResult("fl+ssl", "a", "a2", 0.20, 0.5, 300),
                new ClientResult("fl+ssl", "b", "b1", 0.90, 1.0, 50),
            ], 2.0, "y"),
        ],
        "cl",
        ["a", "b"],
        3.5);

    [Fact]
    public void Task_accuracy_must_weight_clients_by_images()
    {
        var s = Sample();
        Assert.Equal((0.5 * 100 + 0.2 * 300) / 400, s.TaskAcc1("fl+ssl", "a")!.Value, 12);
        Assert.Equal((0.275 + 0.9) / 2, s.AverageAcc1("fl+ssl")!.Value, 12);
    }

    [Fact]
    public void Table_must_show_delta_against_the_baseline()
    {
        var table = SummaryWriter.Table(Sample());
        // cl average (30 + 80) / 2 = 55; fl+ssl (27.5 + 90) / 2 = 58.75 -> +3.75
        Assert.Contains("55.00", table, StringComparison.Ordinal);
        Assert.Contains("58.75", table, StringComparison.Ordinal);
        Assert.Contains("+3.75", table, StringComparison.Ordinal);
        Assert.Contains("delta vs cl", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_must_have_the_documented_shape()
    {
        using var doc = JsonDocument.Parse(SummaryWriter.Json(Sample()));
        var results = doc.RootElement.GetProperty("results");
        Assert.Equal(5, results.GetArrayLength());
        var first = results[0];
        Assert.Equal("cl", first.GetProperty("arm").GetString());
        Assert.Equal("a", first.GetProperty("task").GetString());
        Assert.Equal("central-a", first.GetProperty("client").GetString());
        Assert.Equal(0.30, first.GetProperty("acc1").GetDouble(), 12);
        Assert.Equal(0.60, first.GetProperty("acc5").GetDouble(), 12);
        Assert.Equal(100, first.GetProperty("images").GetInt64());
        Assert.Equal(["a", "b"], doc.RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(3.5, doc.RootElement.GetProperty("wall_seconds").GetDouble(), 12);
        Assert.Contains("fl+ssl", SummaryWriter.Json(Sample()), StringComparison.Ordinal);
    }
}
