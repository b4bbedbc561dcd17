using FedActors.Core;

namespace FedActors.Engine;

/// <summary>
/// One round attempt's pending updates (<see cref="FitRes.Pending"/>) still to fetch, and when to fetch them, so the
/// coordinator holds a bounded number of updates however the replies are ordered. Fetches go in ordinal order of
/// client id (the fold's order); at most <c>window</c> updates are in flight or fetched and waiting for a client
/// before them, and the update the in-order fold waits for is always fetched at once (without it nothing moves).
/// With a strategy that buffers (no fold) the window bounds only the fetches in flight. Not thread-safe.
/// </summary>
public sealed class PendingFetches
{
    private readonly SortedDictionary<string, FitRes> _queued = new(StringComparer.Ordinal);
    private readonly int _window;

    /// <param name="window">Updates fetched at once besides the one the fold waits for; at least 1.</param>
    public PendingFetches(int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        _window = window;
    }

    /// <summary>Fetches started and not yet reported done.</summary>
    public int InFlight { get; private set; }

    /// <summary>Nothing queued and nothing in flight.</summary>
    public bool IsIdle => _queued.Count == 0 && InFlight == 0;

    /// <summary>Queues a reply whose update is pending. A client is queued at most once per attempt.</summary>
    public void Enqueue(FitRes reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.Pending is null) throw new ArgumentException($"the update of client '{reply.ClientId}' is not pending", nameof(reply));
        if (!_queued.TryAdd(reply.ClientId, reply))
            throw new InvalidOperationException($"the update of client '{reply.ClientId}' is already queued");
    }

    /// <summary>
    /// The next reply to fetch, counted as in flight from now on, or null when none may start yet.
    /// </summary>
    /// <param name="fold">The round's in-order fold, or null for a strategy that buffers.</param>
    public FitRes? Next(InOrderAggregation? fold)
    {
        if (_queued.Count == 0) return null;
        var (clientId, reply) = _queued.First();
        var held = InFlight + (fold?.Waiting ?? 0);
        if (held >= _window && !(fold?.IsNext(clientId) ?? false)) return null;
        _queued.Remove(clientId);
        InFlight++;
        return reply;
    }

    /// <summary>A fetch started by <see cref="Next"/> has ended, with the update or without.</summary>
    public void Done()
    {
        if (InFlight == 0) throw new InvalidOperationException("no fetch is in flight");
        InFlight--;
    }
}
