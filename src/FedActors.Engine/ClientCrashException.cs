namespace FedActors.Engine;

/// <summary>
/// A <see cref="ClientActor"/> crashed: a simulated crash (<see cref="FaultKind.Crash"/>) or any exception that
/// escaped its message handling (wrapped). The coordinator restarts the actor on it, with its client and
/// counters intact; every request the actor held fails with a <c>crashed: </c> reason.
/// </summary>
public sealed class ClientCrashException : Exception
{
    public ClientCrashException(string clientId, string message, Exception? innerException = null)
        : base($"client '{clientId}': {message}", innerException)
    {
        ClientId = clientId;
    }

    public string ClientId { get; }
}
