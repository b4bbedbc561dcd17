using System.Globalization;
using FedActors.Core;
using FedActors.Engine;

namespace FedActors.Testing;

/// <summary>
/// Assertions on one <see cref="RoundReport"/>, chained: <c>RoundOutcome.Of(report).Aggregated("a", "b").Dropped("c")</c>.
/// Each throws a <see cref="RoundAssertionException"/> that describes the whole round, so a failing test says
/// what did happen. Works with any test framework.
/// </summary>
public sealed class RoundOutcome
{
    private RoundOutcome(RoundReport report) => Report = report;

    public RoundReport Report { get; }

    public static RoundOutcome Of(RoundReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new RoundOutcome(report);
    }

    /// <summary>Exactly these clients' updates went into the new global weights.</summary>
    public RoundOutcome Aggregated(params string[] clientIds) =>
        SameSet("aggregated", clientIds, Report.Fits.Select(f => f.ClientId));

    /// <summary>Exactly these clients were sampled to fit (in the accepted attempt).</summary>
    public RoundOutcome Sampled(params string[] clientIds) =>
        SameSet("sampled", clientIds, Report.Participants);

    /// <summary>The client failed with a reason containing <paramref name="reasonContains"/>.</summary>
    public RoundOutcome Failed(string clientId, string reasonContains = "") => FailedBecause(clientId, "", reasonContains);

    /// <summary>The client's update was rejected by validation, the reason containing <paramref name="because"/>.</summary>
    public RoundOutcome Rejected(string clientId, string because = "") => FailedBecause(clientId, FailureReasons.Rejected, because);

    /// <summary>Exactly these clients dropped out (simulated) in the accepted attempt.</summary>
    public RoundOutcome Dropped(params string[] clientIds) => FailedWith("dropped", FailureReasons.Dropped, clientIds);

    /// <summary>Exactly these clients missed the deadline for another reason in the accepted attempt.</summary>
    public RoundOutcome Late(params string[] clientIds) => FailedWith("late", FailureReasons.Deadline, clientIds);

    /// <summary>Exactly these clients' actors crashed in the accepted attempt.</summary>
    public RoundOutcome Crashed(params string[] clientIds) => FailedWith("crashed", FailureReasons.Crashed, clientIds);

    /// <summary>No client failed in the accepted attempt.</summary>
    public RoundOutcome NoFailures() => Report.Failures.Count == 0 ? this : throw Fail("expected no failures");

    public RoundOutcome Attempts(int expected) => Check("attempts", expected, Report.Attempts);

    /// <summary>Client actors restarted during the round (every attempt).</summary>
    public RoundOutcome Restarts(int expected) => Check("restarts", expected, Report.Counts.Restarts);

    /// <summary>
    /// The new global tensor <paramref name="name"/> holds <paramref name="values"/> (to 1e-5). Needs a complete
    /// report: one from the onRound callback or <see cref="FakeFederation.RunAsync"/>'s result, not from the
    /// engine's <see cref="ExperimentResult.Rounds"/>, which keep no globals.
    /// </summary>
    public RoundOutcome Global(string name, params float[] values)
    {
        if (Report.Global.Count == 0)
            throw Fail($"expected a global tensor '{name}', but the report carries no global weights " +
                       "(ExperimentResult.Rounds drops them: take the report from onRound or FakeFederation.RunAsync)");
        if (!Report.Global.TryGet(name, out var tensor)) throw Fail($"expected a global tensor '{name}'");
        if (tensor.Data.Length != values.Length || tensor.Data.Zip(values).Any(p => Math.Abs(p.First - p.Second) > 1e-5f))
            throw Fail($"expected global '{name}' = [{Show(values)}], was [{Show(tensor.Data)}]");
        return this;
    }

    /// <summary>A one-paragraph account of the round, as the failure messages show it.</summary>
    public static string Describe(RoundReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var failures = report.Failures.Count == 0
            ? "none"
            : string.Join("; ", report.Failures.Select(f => $"{f.ClientId}: {f.Reason}"));
        var c = report.Counts;
        return $"round {report.Round}/{report.TotalRounds} of phase '{report.Phase}' (arm '{report.Arm}'), " +
               $"{report.Attempts} attempt(s): sampled [{string.Join(", ", report.Participants)}], " +
               $"aggregated [{string.Join(", ", report.Fits.Select(f => f.ClientId))}], failures: {failures}; " +
               $"counts: unavailable {c.Unavailable}, dropped {c.Dropped}, late {c.Late}, rejected {c.Rejected}, " +
               $"restarts {c.Restarts}, stale {report.StaleReplies}, duplicates {report.DuplicateReplies}";
    }

    private RoundOutcome FailedBecause(string clientId, string prefix, string reasonContains)
    {
        var failure = Report.Failures.FirstOrDefault(f => f.ClientId == clientId);
        if (failure is null) throw Fail($"expected client '{clientId}' to fail");
        if (!failure.Reason.StartsWith(prefix, StringComparison.Ordinal) || !failure.Reason.Contains(reasonContains, StringComparison.Ordinal))
            throw Fail($"expected client '{clientId}' to fail with a reason {(prefix.Length > 0 ? $"starting '{prefix}' and " : "")}containing '{reasonContains}'");
        return this;
    }

    private RoundOutcome FailedWith(string what, string prefix, string[] clientIds) =>
        SameSet(what, clientIds, Report.Failures.Where(f => f.Reason.StartsWith(prefix, StringComparison.Ordinal)).Select(f => f.ClientId));

    private RoundOutcome SameSet(string what, string[] expected, IEnumerable<string> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var want = expected.Order(StringComparer.Ordinal).ToList();
        var got = actual.Order(StringComparer.Ordinal).ToList();
        return want.SequenceEqual(got, StringComparer.Ordinal)
            ? this
            : throw Fail($"expected {what} [{string.Join(", ", want)}], was [{string.Join(", ", got)}]");
    }

    private RoundOutcome Check(string what, int expected, int actual) =>
        expected == actual ? this : throw Fail($"expected {what} {expected}, was {actual}");

    private RoundAssertionException Fail(string expectation) => new($"{expectation}\n  {Describe(Report)}");

    private static string Show(IEnumerable<float> values) =>
        string.Join(", ", values.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)));
}

/// <summary>A <see cref="RoundOutcome"/> expectation was not met.</summary>
public sealed class RoundAssertionException : Exception
{
    public RoundAssertionException(string message)
        : base(message)
    {
    }
}
