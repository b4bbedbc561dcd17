using FedActors.Hosting.Configuration;

namespace FedActors.Hosting.Tests;

public sealed class KillSwitchTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Unset_variable_must_install_no_hook(string? value) => Assert.Null(KillSwitch.Parse(value, () => throw new InvalidOperationException("killed")));

    [Fact]
    public void Hook_must_kill_once_right_after_the_nth_round_state()
    {
        var kills = new List<int>();
        var states = 0;
        var hook = KillSwitch.Parse("2", () => kills.Add(states))!;
        CheckpointStep[] round = [CheckpointStep.MetricsAppended, CheckpointStep.RoundWeightsWritten, CheckpointStep.RoundStateWritten, CheckpointStep.OldWeightsRemoved];
        for (var r = 0; r < 4; r++)
        {
            foreach (var step in round)
            {
                if (step == CheckpointStep.RoundStateWritten) states++;
                hook(step);
            }
            hook(CheckpointStep.StageWeightsWritten);
            hook(CheckpointStep.ArmStateWritten);
        }
        Assert.Equal([2], kills);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("two")]
    [InlineData("2.5")]
    public void Bad_value_must_be_refused_naming_the_variable(string value)
    {
        var ex = Assert.Throws<ConfigException>(() => KillSwitch.Parse(value, () => { }));
        Assert.Contains(KillSwitch.Variable, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_round_must_be_read_as_a_positive_round_naming_its_variable()
    {
        Assert.Equal(3, KillSwitch.Rounds(KillSwitch.FitVariable, "3"));
        Assert.Null(KillSwitch.Rounds(KillSwitch.FitVariable, null));
        var ex = Assert.Throws<ConfigException>(() => KillSwitch.Rounds(KillSwitch.FitVariable, "0"));
        Assert.Contains(KillSwitch.FitVariable, ex.Message, StringComparison.Ordinal);
    }
}
