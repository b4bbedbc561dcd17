using FedActors.Core.Strategies;

namespace FedActors.Core;

/// <summary>
/// Feeds one round's fit results to an <see cref="IFitAggregation"/> in ordinal order of client id, whatever order
/// they arrive in, so a streamed aggregate has the same bits as one computed from all results at the end. A result
/// is added the moment every client before it has either been added or been resolved without a result
/// (<see cref="Skip"/>: failed, rejected, late); only results that arrive ahead of a pending client wait here.
/// Replies in order therefore never wait, and a waiting result is released (added, and its reference dropped)
/// as soon as the gap before it closes. Not thread-safe.
/// </summary>
public sealed class InOrderAggregation
{
    private readonly IFitAggregation _aggregation;
    private readonly string[] _order;
    private readonly Dictionary<string, int> _position;
    private readonly Slot[] _slots;
    private readonly FitRes?[] _waiting;
    private int _next;
    private bool _finished;

    /// <param name="participants">The clients expected to answer; any order.</param>
    public InOrderAggregation(IEnumerable<string> participants, IFitAggregation aggregation)
    {
        ArgumentNullException.ThrowIfNull(participants);
        ArgumentNullException.ThrowIfNull(aggregation);
        _aggregation = aggregation;
        _order = participants.Order(StringComparer.Ordinal).ToArray();
        _position = new Dictionary<string, int>(_order.Length, StringComparer.Ordinal);
        for (var i = 0; i < _order.Length; i++)
        {
            if (!_position.TryAdd(_order[i], i)) throw new ArgumentException($"client '{_order[i]}' is listed twice", nameof(participants));
        }
        _slots = new Slot[_order.Length];
        _waiting = new FitRes?[_order.Length];
    }

    /// <summary>Results added to the aggregation so far.</summary>
    public int Added { get; private set; }

    /// <summary>Results waiting for a client before them.</summary>
    public int Waiting { get; private set; }

    /// <summary>The most results that ever waited at once.</summary>
    public int MostWaiting { get; private set; }

    /// <summary>Whether <paramref name="clientId"/> is the participant the fold waits for: every client before it is resolved.</summary>
    public bool IsNext(string clientId) => _next < _order.Length && string.Equals(_order[_next], clientId, StringComparison.Ordinal);

    /// <summary>
    /// Takes the result of a participant that has not been resolved yet: adds it now when every client before it
    /// is resolved, otherwise keeps it until they are.
    /// </summary>
    public void Offer(FitRes result)
    {
        ArgumentNullException.ThrowIfNull(result);
        ThrowIfFinished();
        var i = PositionOf(result.ClientId);
        if (_slots[i] != Slot.Pending)
            throw new InvalidOperationException($"client '{result.ClientId}' has already been resolved in this round");
        if (i == _next)
        {
            _slots[i] = Slot.Added;
            _next++;
            AddToAggregation(result);
            Advance();
            return;
        }
        _slots[i] = Slot.Waiting;
        _waiting[i] = result;
        Waiting++;
        MostWaiting = Math.Max(MostWaiting, Waiting);
    }

    /// <summary>The participant will not contribute (failed, rejected, late). Ignored when it is already resolved.</summary>
    public void Skip(string clientId)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ThrowIfFinished();
        var i = PositionOf(clientId);
        if (_slots[i] != Slot.Pending) return;
        _slots[i] = Slot.Skipped;
        Advance();
    }

    /// <summary>Skips every participant still pending, adds what was waiting, and returns the aggregate.</summary>
    public ModelWeights Finish(IReadOnlyList<ClientFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        ThrowIfFinished();
        for (var i = _next; i < _slots.Length; i++)
        {
            if (_slots[i] == Slot.Pending) _slots[i] = Slot.Skipped;
        }
        Advance();
        _finished = true;
        return _aggregation.Result(failures);
    }

    private void ThrowIfFinished()
    {
        if (_finished) throw new InvalidOperationException("the round's aggregation has already finished");
    }

    private int PositionOf(string clientId) =>
        _position.TryGetValue(clientId, out var i)
            ? i
            : throw new ArgumentException($"client '{clientId}' is not a participant of this round", nameof(clientId));

    private void Advance()
    {
        for (; _next < _slots.Length && _slots[_next] != Slot.Pending; _next++)
        {
            if (_slots[_next] != Slot.Waiting) continue;
            var result = _waiting[_next]!;
            _waiting[_next] = null;
            _slots[_next] = Slot.Added;
            Waiting--;
            AddToAggregation(result);
        }
    }

    private void AddToAggregation(FitRes result)
    {
        _aggregation.Add(result);
        Added++;
    }

    private enum Slot : byte
    {
        Pending,
        Waiting,
        Added,
        Skipped,
    }
}
