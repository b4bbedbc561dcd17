namespace FedActors.Engine;

/// <summary>
/// How a round's failure reasons begin, per kind, so reports and metrics can tell them apart. A failure whose
/// reason starts with none of these came from the client itself (its work threw: <c>TypeName: message</c>).
/// </summary>
public static class FailureReasons
{
    /// <summary>The update arrived but failed validation; the global model never saw it.</summary>
    public const string Rejected = "rejected: ";

    /// <summary>The client actor crashed while it held the request, and was restarted.</summary>
    public const string Crashed = "crashed: ";

    /// <summary>A simulated drop: the client took the request and never answered, so the deadline passed.</summary>
    public const string Dropped = "dropped: ";

    /// <summary>No answer by the round's deadline (the client was slow, hung, or silently gone).</summary>
    public const string Deadline = "no reply within ";

    /// <summary>The client actor stopped for good during the round.</summary>
    public const string Terminated = "client actor terminated";

    /// <summary>Prefixed to evaluate-stage failures in <see cref="RoundReport.Failures"/>.</summary>
    public const string Evaluate = "evaluate: ";

    public static bool IsRejected(string reason) => Starts(reason, Rejected);

    /// <summary>
    /// The kind of a rejection (<see cref="Core.UpdateRejection"/>: <c>examples</c>, <c>norm</c>...) from its reason
    /// <c>rejected: kind: why</c>; null for any other failure.
    /// </summary>
    public static string? RejectionKind(string reason)
    {
        if (!IsRejected(reason)) return null;
        var rest = reason[Rejected.Length..];
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? rest : rest[..colon];
        return Core.UpdateRejection.Kinds.Contains(kind, StringComparer.Ordinal) ? kind : null;
    }
    public static bool IsDropped(string reason) => Starts(reason, Dropped);
    public static bool IsDeadline(string reason) => Starts(reason, Deadline);

    private static bool Starts(string reason, string prefix) =>
        reason is not null && reason.StartsWith(prefix, StringComparison.Ordinal);
}
