namespace FedActors.Hosting.Configuration;

/// <summary>Bad configuration: the message names the key and the file (or --set) it came from.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message)
        : base(message)
    {
    }

    public ConfigException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
