namespace FedActors.Cli.Tests;

internal sealed class TestConsole(TextWriter output, TextWriter error) : ICliConsole
{
    public TextWriter Out => output;
    public TextWriter Error => error;
}

public sealed class CliTests
{
    [Theory]
    [InlineData("--set", "fedactors.simclr.rounds=many", "fedactors.simclr.rounds")]
    [InlineData("--set", "fedactors.nonsense=1", "fedactors.nonsense")]
    [InlineData("--config", "/nonexistent.conf", "/nonexistent.conf")]
    [InlineData("--set", "fedactor.simclr.rounds=50", "did you mean 'fedactors'")]
    [InlineData("--set", "seed=3", "did you mean 'fedactors.seed'")]
    public void Run_with_bad_input_must_exit_2_with_one_line_naming_the_fault(string option, string value, string named)
    {
        var error = new StringWriter();
        var code = CliApp.Run(["run", option, value, "--out", Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))], new TestConsole(new StringWriter(), error));
        Assert.Equal(CliApp.BadInput, code);
        var text = error.ToString().Trim();
        Assert.Single(text.Split('\n'));
        Assert.Contains(named, text, StringComparison.Ordinal);
    }
}
