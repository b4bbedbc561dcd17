using System.Collections.Concurrent;
using Akka.Actor;
using FedActors.Core;

namespace FedActors.Engine;

/// <summary>
/// K dedicated threads that run synchronous training work, one item per thread at a time. Work starts and
/// ends on one of these threads and never resumes elsewhere, which TorchSharp's thread-local dispose scopes
/// need; Akka's dispatcher and the .NET thread pool stay free. Results come back as tasks whose continuations
/// run asynchronously, never on a trainer thread.
/// <para>
/// Waiting work runs in order of its <see cref="TrainerTurn"/> (round, then client id), not in the order it was
/// queued: a round's clients queue their fits concurrently, in no particular order, and the engine folds their
/// updates in client-id order. Served in that same order, the updates arrive in the order they are folded, so
/// the server buffers at most about one update per slot instead of up to one per client.
/// </para>
/// </summary>
public sealed class TrainerPool : IDisposable
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(10);

    private readonly WorkQueue _queue = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Thread[] _threads;
    private int _disposed;

    public TrainerPool(int slots, string name = "fedactors-trainer")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        Slots = slots;
        _threads = new Thread[slots];
        for (var i = 0; i < slots; i++)
        {
            // Background threads: a trainer stuck in native code must not keep the process alive.
            var slot = i;
            _threads[i] = new Thread(() => Work(slot)) { IsBackground = true, Name = $"{name}-{i}" };
            _threads[i].Start();
        }
    }

    public int Slots { get; }

    /// <summary>
    /// The shared pool of <paramref name="system"/> with <paramref name="slots"/> threads, created on first use
    /// and disposed when the system terminates.
    /// </summary>
    public static TrainerPool For(ActorSystem system, int slots)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.WithExtension<TrainerPools, TrainerPoolsId>().Get(slots);
    }

    /// <summary>
    /// Queues <paramref name="work"/>. Its token is cancelled when <paramref name="cancellation"/> is or the pool
    /// is disposed; work not yet started when that happens never starts and its task is cancelled. Work without a
    /// <paramref name="turn"/> runs before work with one, first come first served.
    /// </summary>
    public Task<T> Run<T>(Func<CancellationToken, T> work, CancellationToken cancellation = default, TrainerTurn? turn = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        var item = new WorkItem<T>(work, cancellation) { Turn = turn ?? TrainerTurn.First };
        try
        {
            _queue.Add(item);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            return Task.FromException<T>(new ObjectDisposedException(nameof(TrainerPool), "the trainer pool is shut down"));
        }
        return item.Task;
    }

    /// <summary>Stops taking work, cancels what is queued or running, and waits at most 10 s in all for the threads.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _queue.CompleteAdding();
        _shutdown.Cancel();
        // Bounded: a trainer deep in native code that ignores its token must not hang system shutdown.
        var deadline = DateTime.UtcNow + JoinTimeout;
        foreach (var thread in _threads)
        {
            var left = deadline - DateTime.UtcNow;
            if (thread != Thread.CurrentThread && left > TimeSpan.Zero) thread.Join(left);
        }
    }

    private void Work(int slot)
    {
        // Clients read it to pick the device of this slot (FedActors.Core.TrainerSlot).
        TrainerSlot.AssignToCurrentThread(slot);
        // Items queued before shutdown still pass through here and are cancelled without running.
        while (_queue.Take() is { } item)
            item.Execute(_shutdown.Token);
    }

    private abstract class WorkItem
    {
        public TrainerTurn Turn { get; init; }

        /// <summary>Queue order among equal turns.</summary>
        public long Sequence { get; set; }

        public abstract void Execute(CancellationToken shutdown);
    }

    /// <summary>Blocking queue that hands out the item of the earliest turn (then the earliest queued).</summary>
    private sealed class WorkQueue
    {
        private readonly PriorityQueue<WorkItem, WorkItem> _items = new(Comparer<WorkItem>.Create(Compare));
        private long _sequence;
        private bool _completed;

        public void Add(WorkItem item)
        {
            lock (_items)
            {
                if (_completed) throw new InvalidOperationException("the queue takes no more work");
                item.Sequence = _sequence++;
                _items.Enqueue(item, item);
                Monitor.Pulse(_items);
            }
        }

        /// <summary>Stops taking work; what is queued is still handed out.</summary>
        public void CompleteAdding()
        {
            lock (_items)
            {
                _completed = true;
                Monitor.PulseAll(_items);
            }
        }

        /// <summary>The next item, waiting for one; null once adding is complete and the queue is empty.</summary>
        public WorkItem? Take()
        {
            lock (_items)
            {
                while (true)
                {
                    if (_items.TryDequeue(out var item, out _)) return item;
                    if (_completed) return null;
                    Monitor.Wait(_items);
                }
            }
        }

        private static int Compare(WorkItem? a, WorkItem? b)
        {
            var byTurn = a!.Turn.CompareTo(b!.Turn);
            return byTurn != 0 ? byTurn : a.Sequence.CompareTo(b.Sequence);
        }
    }

    private sealed class WorkItem<T>(Func<CancellationToken, T> work, CancellationToken cancellation) : WorkItem
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _completion.Task;

        public override void Execute(CancellationToken shutdown)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, shutdown);
            var token = linked.Token;
            if (token.IsCancellationRequested)
            {
                _completion.TrySetCanceled(token);
                return;
            }
            try
            {
                _completion.TrySetResult(work(token));
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                _completion.TrySetCanceled(token);
            }
            catch (Exception e)
            {
                _completion.TrySetException(e);
            }
        }
    }
}

/// <summary>
/// Where a piece of work stands in the trainers' queue: earlier rounds first, and within a round (round ids grow
/// as rounds start) clients in ordinal order of id.
/// </summary>
public readonly record struct TrainerTurn(long RoundId, string ClientId) : IComparable<TrainerTurn>
{
    /// <summary>Ahead of every round: work queued without a turn.</summary>
    public static TrainerTurn First { get; } = new(long.MinValue, "");

    public int CompareTo(TrainerTurn other)
    {
        var byRound = RoundId.CompareTo(other.RoundId);
        return byRound != 0 ? byRound : string.CompareOrdinal(ClientId, other.ClientId);
    }

    public static bool operator <(TrainerTurn left, TrainerTurn right) => left.CompareTo(right) < 0;
    public static bool operator >(TrainerTurn left, TrainerTurn right) => left.CompareTo(right) > 0;
    public static bool operator <=(TrainerTurn left, TrainerTurn right) => left.CompareTo(right) <= 0;
    public static bool operator >=(TrainerTurn left, TrainerTurn right) => left.CompareTo(right) >= 0;
}

/// <summary>The trainer pools of one actor system, by slot count; disposed with the system.</summary>
internal sealed class TrainerPools : IExtension, IDisposable
{
    private readonly ConcurrentDictionary<int, Lazy<TrainerPool>> _pools = new();
    private readonly string _systemName;
    private int _disposed;

    public TrainerPools(string systemName) => _systemName = systemName;

    public TrainerPool Get(int slots)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        return _pools.GetOrAdd(slots, s => new Lazy<TrainerPool>(() => new TrainerPool(s, $"{_systemName}-trainer{s}"))).Value;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        foreach (var pool in _pools.Values.Where(p => p.IsValueCreated))
            pool.Value.Dispose();
    }
}

internal sealed class TrainerPoolsId : ExtensionIdProvider<TrainerPools>
{
    public override TrainerPools CreateExtension(ExtendedActorSystem system)
    {
        var pools = new TrainerPools(system.Name);
        system.RegisterOnTermination(pools.Dispose);
        return pools;
    }
}
