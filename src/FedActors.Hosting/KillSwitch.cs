using System.Diagnostics;
using System.Globalization;
using FedActors.Hosting.Configuration;

namespace FedActors.Hosting;

/// <summary>
/// Crashes at a chosen point, for tests of real processes that must not depend on when a test's signal lands; unset
/// (the normal case) they do nothing.
/// <c>FEDACTORS_SIGKILL_AFTER_ROUND=N</c>: a <c>fedactors run</c> or cluster coordinator kills itself with SIGKILL right
/// after it wrote the checkpoint of its N-th round (counted from this process's start, over arms and phases).
/// <c>FEDACTORS_SIGKILL_AT_FIT=N</c>: a client node kills itself with SIGKILL when one of its clients is asked to fit
/// round N (of any phase), before it trains: the coordinator's request then never gets its reply.
/// </summary>
public static class KillSwitch
{
    public const string Variable = "FEDACTORS_SIGKILL_AFTER_ROUND";

    public const string FitVariable = "FEDACTORS_SIGKILL_AT_FIT";

    /// <summary>The round whose fit request kills a client node, from the environment; null when unset.</summary>
    public static int? FitRoundFromEnvironment() => Rounds(FitVariable, Environment.GetEnvironmentVariable(FitVariable));

    /// <summary>The hook for <see cref="ExperimentRunner.AfterWrite"/> the environment asks for; null when unset.</summary>
    public static Action<CheckpointStep>? FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        return Parse(value, () => KillThisProcess($"{Variable} = {value}, and that round's checkpoint is written"));
    }

    /// <summary>
    /// The hook for <paramref name="value"/> (null or empty: none); it calls <paramref name="kill"/> once, after the
    /// N-th round's checkpoint state. Throws <see cref="ConfigException"/> naming the variable for anything but a
    /// positive integer.
    /// </summary>
    public static Action<CheckpointStep>? Parse(string? value, Action kill)
    {
        ArgumentNullException.ThrowIfNull(kill);
        if (Rounds(Variable, value) is not { } rounds) return null;
        var written = 0;
        return step =>
        {
            if (step == CheckpointStep.RoundStateWritten && ++written == rounds) kill();
        };
    }

    /// <summary>A positive round number, or null for null or empty; throws <see cref="ConfigException"/> naming the variable.</summary>
    public static int? Rounds(string variable, string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var rounds) || rounds < 1)
            throw new ConfigException($"environment variable {variable}: '{value}' is not a positive round number");
        return rounds;
    }

    /// <summary>Writes why on stderr, then sends this process SIGKILL; never returns.</summary>
    public static void KillThisProcess(string why)
    {
        Console.Out.Flush();
        Console.Error.WriteLine($"killing this process with SIGKILL: {why}");
        Console.Error.Flush();
        using var self = Process.GetCurrentProcess();
        self.Kill();
        Thread.Sleep(Timeout.Infinite); // the signal is on its way; nothing of this process may run on
    }
}
