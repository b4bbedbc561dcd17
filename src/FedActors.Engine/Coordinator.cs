namespace FedActors.Engine;

/// <summary>Protocol of <see cref="CoordinatorActor"/>.</summary>
public static class Coordinator
{
    /// <summary>
    /// Run the experiment. The sender gets the <see cref="ExperimentResult"/>, or a
    /// <see cref="Akka.Actor.Status.Failure"/> (e.g. a <see cref="RoundFailedException"/>); the coordinator
    /// then stops. Sent once.
    /// </summary>
    public sealed class Run
    {
        public static Run Instance { get; } = new();
        private Run() { }
    }
}
