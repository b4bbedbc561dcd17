using FedActors.Core;

namespace FedActors.Engine;

/// <summary>A round missed its quorum and the policy (stop, or retry with no retries left) ended the experiment.</summary>
public sealed class RoundFailedException : Exception
{
    public RoundFailedException(
        string arm, string phase, int round, int totalRounds, int attempts, int fitResults, int required,
        IReadOnlyList<ClientFailure> failures)
        : base(Describe(arm, phase, round, totalRounds, attempts, fitResults, required, failures))
    {
        Arm = arm;
        Phase = phase;
        Round = round;
        Attempts = attempts;
        Failures = failures;
    }

    public string Arm { get; }
    public string Phase { get; }
    public int Round { get; }
    public int Attempts { get; }

    /// <summary>The failures of the last attempt, ordered by client id.</summary>
    public IReadOnlyList<ClientFailure> Failures { get; }

    private static string Describe(
        string arm, string phase, int round, int totalRounds, int attempts, int fitResults, int required,
        IReadOnlyList<ClientFailure> failures)
    {
        var reasons = failures.Count == 0
            ? "no client failures"
            : string.Join("; ", failures.Select(f => $"{f.ClientId}: {f.Reason}"));
        return $"round {round}/{totalRounds} of phase '{phase}' (arm '{arm}') got {fitResults} of {required} " +
               $"required fit results after {attempts} attempt(s); failures: {reasons}";
    }
}
