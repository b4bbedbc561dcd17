namespace FedActors.Cli;

/// <summary>The console, behind an interface so commands can be tested.</summary>
public interface ICliConsole
{
    TextWriter Out { get; }
    TextWriter Error { get; }
}

public sealed class SystemConsole : ICliConsole
{
    public TextWriter Out => Console.Out;
    public TextWriter Error => Console.Error;
}
