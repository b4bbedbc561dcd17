namespace FedActors.Hosting;

/// <summary>Where a run reports progress: the console in the CLI, a list in tests.</summary>
public interface IRunOutput
{
    void Line(string text);
}

/// <summary>Writes each line to a <see cref="TextWriter"/>.</summary>
public sealed class TextRunOutput(TextWriter writer) : IRunOutput
{
    public void Line(string text) => writer.WriteLine(text);
}
