using System.Collections.Immutable;

namespace FedActors.Engine;

/// <summary>
/// One stage of a round (fit or evaluate), as data: which clients have replied, which failed, which are
/// still pending, and how many replies were ignored. Immutable; every change returns a new value. Results
/// and failures are kept in ordinal order of client id.
/// </summary>
public sealed record Replies<T>
{
    private Replies(ImmutableSortedSet<string> pending)
    {
        Pending = pending;
    }

    public ImmutableSortedSet<string> Pending { get; private init; }

    public ImmutableSortedDictionary<string, T> Received { get; private init; } =
        ImmutableSortedDictionary.Create<string, T>(StringComparer.Ordinal);

    /// <summary>Client id to reason.</summary>
    public ImmutableSortedDictionary<string, string> Failed { get; private init; } =
        ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    /// <summary>Replies from unknown clients, for another round or stage, or after the client was marked failed.</summary>
    public int Stale { get; private init; }

    /// <summary>Second replies from a client that had already replied.</summary>
    public int Duplicates { get; private init; }

    /// <summary>All replied or failed.</summary>
    public bool IsComplete => Pending.IsEmpty;

    public static Replies<T> Expecting(IEnumerable<string> clientIds)
    {
        ArgumentNullException.ThrowIfNull(clientIds);
        return new Replies<T>(ImmutableSortedSet.CreateRange(StringComparer.Ordinal, clientIds));
    }

    public bool IsPending(string clientId) => Pending.Contains(clientId);

    /// <summary>Records <paramref name="clientId"/>'s result if it was pending; otherwise counts it as stale or duplicate.</summary>
    public Replies<T> WithResult(string clientId, T result)
    {
        if (IsPending(clientId))
            return this with { Pending = Pending.Remove(clientId), Received = Received.Add(clientId, result) };
        return Ignored(clientId);
    }

    /// <summary>Records <paramref name="clientId"/> as failed if it was pending; otherwise counts it as stale or duplicate.</summary>
    public Replies<T> WithFailure(string clientId, string reason)
    {
        if (IsPending(clientId))
            return this with { Pending = Pending.Remove(clientId), Failed = Failed.Add(clientId, reason) };
        return Ignored(clientId);
    }

    /// <summary>Counts a reply that belongs to no client of this stage.</summary>
    public Replies<T> WithStale() => this with { Stale = Stale + 1 };

    /// <summary>Every pending client fails with <paramref name="reason"/> (the deadline passed).</summary>
    public Replies<T> WithPendingFailed(string reason) => this with
    {
        Pending = Pending.Clear(),
        Failed = Failed.AddRange(Pending.Select(id => KeyValuePair.Create(id, reason))),
    };

    // A client already answered: once more is a duplicate; an answer after it was marked failed is late.
    private Replies<T> Ignored(string clientId) =>
        Received.ContainsKey(clientId) ? this with { Duplicates = Duplicates + 1 } : WithStale();
}
