namespace FedActors.Learning.Training;

/// <summary>
/// Cosine decay of the learning rate over a whole phase (all its rounds), not over one round: a client
/// knows its round and the phase's round count, so step t of T is (round−1)·steps-per-round + local step.
/// </summary>
public static class CosineSchedule
{
    /// <summary>Learning rate at 0-based <paramref name="step"/> of <paramref name="totalSteps"/>: base·½(1+cos(π·t/T)).</summary>
    public static double LearningRate(double baseRate, long step, long totalSteps)
    {
        if (totalSteps <= 0) return baseRate;
        var t = Math.Clamp(step, 0, totalSteps);
        return baseRate * 0.5 * (1 + Math.Cos(Math.PI * t / totalSteps));
    }

    /// <summary>
    /// The rate for local step <paramref name="localStep"/> of round <paramref name="round"/> (1-based) when each
    /// round takes <paramref name="stepsPerRound"/> steps; constant when the round count is unknown.
    /// </summary>
    public static double ForRound(double baseRate, int round, int? totalRounds, long stepsPerRound, long localStep)
    {
        if (totalRounds is not { } rounds || rounds <= 0) return baseRate;
        return LearningRate(baseRate, (Math.Max(round, 1) - 1) * stepsPerRound + localStep, rounds * stepsPerRound);
    }
}
