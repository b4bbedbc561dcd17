namespace FedActors.Hosting;

/// <summary>
/// Optional richer progress for an <see cref="IRunOutput"/> that can draw it (the CLI's progress bars).
/// The runner reports through <see cref="RoundProgress"/>, which falls back to plain lines, so an output
/// without this interface prints exactly what it printed before.
/// </summary>
public interface IRoundProgress
{
    /// <summary>
    /// A phase of <paramref name="rounds"/> rounds is about to run. A stage may announce all its phases
    /// up front: the first runs, the rest wait until the one before finishes its last round.
    /// </summary>
    void PhaseStarted(string arm, string phase, int rounds);

    /// <summary>Round <paramref name="round"/> of <paramref name="rounds"/> finished; <paramref name="line"/> is what plain output prints for it.</summary>
    void RoundDone(string arm, string phase, int round, int rounds, string line);

    /// <summary>The phase is over, finished or abandoned (a failed round, a cancelled run).</summary>
    void PhaseEnded(string arm, string phase);
}

/// <summary>Reports progress to any <see cref="IRunOutput"/>: as events where it is an <see cref="IRoundProgress"/>, else as lines.</summary>
public static class RoundProgress
{
    public static void PhaseStarted(this IRunOutput output, string arm, string phase, int rounds)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output is IRoundProgress progress) progress.PhaseStarted(arm, phase, rounds);
    }

    public static void RoundDone(this IRunOutput output, string arm, string phase, int round, int rounds, string line)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output is IRoundProgress progress) progress.RoundDone(arm, phase, round, rounds, line);
        else output.Line(line);
    }

    public static void PhaseEnded(this IRunOutput output, string arm, string phase)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output is IRoundProgress progress) progress.PhaseEnded(arm, phase);
    }
}
