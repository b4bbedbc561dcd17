using FedActors.Hosting.Reporting;

namespace FedActors.Hosting.Tests;

public sealed class RunFolderTests
{
    [Fact]
    public void Folder_must_read_back_what_the_run_wrote()
    {
        using var dir = new TempDir();
        var arms = FakeRuns.Arms(0.50, 0.70, 0.60, 0.40, 0.80, 10, 20);
        var written = new RunSummary(arms, "cl", FakeRuns.Tasks, 1);
        var run = RunFolder.Read(FakeRuns.Write(dir.Path, "s1", 1, arms, "fedactors.heads.lr=0.02"));

        Assert.Equal(1, run.Seed);
        Assert.Equal("0.02", run.Config.Value("fedactors.heads.lr"));
        Assert.Equal(FakeRuns.Tasks, run.Summary.Tasks);
        Assert.Equal(["cl", "fl+ssl"], run.Summary.Arms.Select(a => a.Arm));
        Assert.Equal(20, run.Summary.Arms[1].WallSeconds);
        Assert.True(run.ImagesKnown);
        foreach (var arm in new[] { "cl", "fl+ssl" })
        {
            foreach (var task in FakeRuns.Tasks) Assert.Equal(written.TaskAcc1(arm, task), run.Summary.TaskAcc1(arm, task));
        }
    }

    [Fact]
    public void Tasks_must_keep_the_order_the_run_wrote()
    {
        using var dir = new TempDir();
        var arms = FakeRuns.Arms(0.50, 0.70, 0.60, 0.40, 0.80, 10, 20);
        var folder = FakeRuns.Write(dir.Path, "s1", 1, arms);
        File.WriteAllText(Path.Combine(folder, "summary.json"), SummaryWriter.Json(new RunSummary(arms, "cl", ["textures", "shapes"], 1)));
        Assert.Equal(["textures", "shapes"], RunFolder.Read(folder).Summary.Tasks);
    }

    [Fact]
    public void Summary_without_images_must_read_as_unweighted_clients()
    {
        using var dir = new TempDir();
        var folder = FakeRuns.Write(dir.Path, "old", 1, FakeRuns.Arms(0.50, 0.70, 0.60, 0.40, 0.80, 10, 20));
        FakeRuns.DropImages(folder);
        var run = RunFolder.Read(folder);
        Assert.False(run.ImagesKnown);
        Assert.Equal(0.5, run.Summary.TaskAcc1("fl+ssl", "shapes")!.Value, 12);
    }

    [Fact]
    public void Folder_without_summary_must_be_refused_as_unfinished()
    {
        using var dir = new TempDir();
        var folder = FakeRuns.WriteConfig(Path.Combine(dir.Path, "killed"), 1);
        var ex = Assert.Throws<ReportException>(() => RunFolder.Read(folder));
        Assert.Contains($"'{folder}' is an unfinished run: it has no summary.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Folder_without_config_must_be_refused_as_no_run_folder()
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<ReportException>(() => RunFolder.Read(dir.Path));
        Assert.Contains($"'{dir.Path}' is not a run folder", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ReportException>(() => RunFolder.Read(Path.Combine(dir.Path, "nowhere")));
        Assert.Contains("nowhere' is not a folder", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"results\": [", "not valid JSON")]
    [InlineData("{ \"arms\": [] }", "has no 'results'")]
    [InlineData("{ \"results\": [{ \"arm\": \"cl\", \"task\": \"t\", \"client\": \"c\" }], \"arms\": [] }", "results[0] has no number 'acc1'")]
    [InlineData("{ \"results\": [], \"arms\": [{ \"arm\": \"cl\" }] }", "arms[0] has no number 'wall_seconds'")]
    public void Bad_summary_must_be_refused_naming_the_file_and_entry(string json, string problem)
    {
        using var dir = new TempDir();
        var folder = FakeRuns.Write(dir.Path, "s1", 1, FakeRuns.Arms(0.50, 0.70, 0.60, 0.40, 0.80, 10, 20));
        File.WriteAllText(Path.Combine(folder, "summary.json"), json);
        var ex = Assert.Throws<ReportException>(() => RunFolder.Read(folder));
        Assert.Contains(Path.Combine(folder, "summary.json") + ": " + problem, ex.Message, StringComparison.Ordinal);
    }
}
