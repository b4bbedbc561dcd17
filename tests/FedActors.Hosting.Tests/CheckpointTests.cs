using FedActors.Core;

namespace FedActors.Hosting.Tests;

/// <summary>The checkpoint state on disk: what <see cref="Checkpoint.Read"/> accepts and what it refuses, naming why.</summary>
public sealed class CheckpointTests
{
    private static readonly ModelWeights Weights = new([new NamedTensor("w", [2], [1f, 2f])]);

    [Fact]
    public void Checkpoint_must_read_back_what_it_wrote()
    {
        using var dir = new TempDir();
        var state = Committed(dir.Path, Checkpoint.RoundWeightsName(1, 2, 0, 7));
        var read = Checkpoint.Read(dir.Path);
        Assert.NotNull(read);
        Assert.Equal(state.GlobalFile, read.GlobalFile);
        Assert.Equal(7, read.RoundsDone);
        Assert.Equal(Checkpoint.CurrentVersion, read.Version);
    }

    [Theory]
    [InlineData("../escape.weights")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/global-a0-s0-p0-r1.weights")]
    [InlineData("global.weights")]
    [InlineData("state.json")]
    public void Checkpoint_must_refuse_a_file_name_outside_its_own_pattern(string name)
    {
        using var dir = new TempDir();
        Committed(dir.Path, Checkpoint.RoundWeightsName(0, 0, 0, 1));
        Rewrite(dir.Path, "global-a0-s0-p0-r1.weights", name);
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Read(dir.Path));
        Assert.Contains("global_file", error.Message, StringComparison.Ordinal);
        Assert.Contains("is not a checkpoint weight file name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_must_refuse_a_state_whose_weights_are_missing()
    {
        using var dir = new TempDir();
        var state = Committed(dir.Path, Checkpoint.RoundWeightsName(0, 0, 0, 3));
        File.Delete(Checkpoint.WeightsPath(dir.Path, state.GlobalFile!));
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Read(dir.Path));
        Assert.Contains("is missing", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"version\": 2", "\"version\": 1", "checkpoint version 1")]
    [InlineData("\"version\": 2,", "", "version")]
    [InlineData("\"seed\":", "\"sede\": 1, \"seed\":", "sede")]
    [InlineData("\"rounds_done\": 3", "\"rounds_done\": -3", "negative")]
    public void Checkpoint_must_refuse_another_version_an_unknown_key_or_a_negative_count(string find, string replace, string named)
    {
        using var dir = new TempDir();
        Committed(dir.Path, Checkpoint.RoundWeightsName(0, 0, 0, 3));
        Rewrite(dir.Path, find, replace);
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Read(dir.Path));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Contains("state.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Removing_unreferenced_files_must_keep_what_the_state_names_and_drop_the_rest()
    {
        using var dir = new TempDir();
        var state = Committed(dir.Path, Checkpoint.RoundWeightsName(0, 1, 1, 4)) with { SslFile = Checkpoint.SslWeightsName(0, 0) };
        WeightsFile.Write(Checkpoint.WeightsPath(dir.Path, state.SslFile!), Weights);
        foreach (var stale in new[] { Checkpoint.RoundWeightsName(0, 1, 1, 3), "half-written.weights.tmp", "state.json.tmp" })
            File.WriteAllText(Checkpoint.WeightsPath(dir.Path, stale), "x");
        File.WriteAllText(Checkpoint.WeightsPath(dir.Path, "notes.txt"), "a user's file");
        state.Write(dir.Path);

        state.RemoveUnreferenced(dir.Path);

        var left = Directory.EnumerateFiles(Path.Combine(dir.Path, Checkpoint.Folder)).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(["global-a0-s1-p1-r4.weights", "notes.txt", "ssl-a0-s0.weights", "state.json"], left);
    }

    private static Checkpoint Committed(string runDir, string globalFile)
    {
        Directory.CreateDirectory(Path.Combine(runDir, Checkpoint.Folder));
        WeightsFile.Write(Checkpoint.WeightsPath(runDir, globalFile), Weights);
        var round = int.Parse(globalFile[(globalFile.LastIndexOf("-r", StringComparison.Ordinal) + 2)..^".weights".Length], System.Globalization.CultureInfo.InvariantCulture);
        var state = new Checkpoint { Seed = 1, ArmIndex = 0, RoundsDone = round, GlobalFile = globalFile };
        state.Write(runDir);
        return state;
    }

    private static void Rewrite(string runDir, string find, string replace)
    {
        var path = Checkpoint.PathIn(runDir);
        var text = File.ReadAllText(path);
        Assert.Contains(find, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(find, replace, StringComparison.Ordinal));
    }
}
