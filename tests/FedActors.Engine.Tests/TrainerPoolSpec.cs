using Akka.Actor;

namespace FedActors.Engine.Tests;

public class TrainerPoolSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TrainerPool_must_run_work_on_its_own_threads()
    {
        using var pool = new TrainerPool(2, "spec-trainer");

        var (name, isPoolThread) = await pool.Run(_ => (Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread))
            .WaitAsync(Wait);

        Assert.StartsWith("spec-trainer-", name, StringComparison.Ordinal);
        Assert.False(isPoolThread);
    }

    [Fact]
    public async Task TrainerPool_must_number_its_threads_as_trainer_slots()
    {
        using var pool = new TrainerPool(2);
        using var bothIn = new CountdownEvent(2);

        // Two items that wait for each other must run on the two threads at once.
        var slots = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => pool.Run(_ =>
        {
            bothIn.Signal();
            bothIn.Wait(Wait);
            return FedActors.Core.TrainerSlot.Current;
        }))).WaitAsync(Wait);

        Assert.Equal([0, 1], slots.Order());
        Assert.Equal(-1, FedActors.Core.TrainerSlot.Current); // the test's own thread is no trainer
    }

    [Fact]
    public async Task TrainerPool_must_run_at_most_slots_items_at_once()
    {
        using var pool = new TrainerPool(2);
        var running = 0;
        var peak = 0;
        var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();

        var work = Enumerable.Range(0, 6).Select(i => pool.Run(_ =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            threads[Environment.CurrentManagedThreadId] = true;
            Thread.Sleep(30);
            Interlocked.Decrement(ref running);
            return i;
        })).ToList();
        var results = await Task.WhenAll(work).WaitAsync(Wait);

        Assert.Equal([0, 1, 2, 3, 4, 5], results);
        Assert.Equal(2, peak);
        Assert.Equal(2, threads.Count);
    }

    [Fact]
    public async Task TrainerPool_must_serve_waiting_work_by_round_then_client_id()
    {
        using var pool = new TrainerPool(1);
        using var busy = new ManualResetEventSlim();
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var blocker = pool.Run(_ => busy.Wait(Wait));

        // Queued in scrambled order while the only trainer is busy.
        var work = new[] { (8L, "c10"), (7L, "c2"), (8L, "c02"), (7L, "c1"), (7L, "c10") }
            .Select(t => pool.Run(_ => { order.Enqueue($"{t.Item1}/{t.Item2}"); return 0; }, turn: new TrainerTurn(t.Item1, t.Item2)))
            .Append(pool.Run(_ => { order.Enqueue("no turn"); return 0; }))
            .ToList();
        busy.Set();
        await Task.WhenAll(work).WaitAsync(Wait);

        Assert.True(await blocker.WaitAsync(Wait));
        Assert.Equal(["no turn", "7/c1", "7/c10", "7/c2", "8/c02", "8/c10"], order);
    }

    [Fact]
    public async Task TrainerPool_must_fault_the_task_with_the_work_exception()
    {
        using var pool = new TrainerPool(1);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => pool.Run<int>(_ => throw new InvalidOperationException("nan loss")).WaitAsync(Wait));

        Assert.Equal("nan loss", error.Message);
        Assert.Equal(7, await pool.Run(_ => 7).WaitAsync(Wait)); // the thread survived
    }

    [Fact]
    public async Task TrainerPool_must_cancel_work_whose_token_fired()
    {
        using var pool = new TrainerPool(1);
        using var started = new ManualResetEventSlim();
        using var cancel = new CancellationTokenSource();
        var ran = false;

        var blocking = pool.Run(ct =>
        {
            started.Set();
            ct.WaitHandle.WaitOne(Wait);
            ct.ThrowIfCancellationRequested();
            return 1;
        }, cancel.Token);
        var queued = pool.Run(_ => ran = true, cancel.Token);
        started.Wait(Wait);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocking.WaitAsync(Wait));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.WaitAsync(Wait));
        Assert.False(ran);
    }

    [Fact]
    public async Task TrainerPool_must_refuse_work_once_disposed()
    {
        var pool = new TrainerPool(1);
        pool.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.Run(_ => 1).WaitAsync(Wait));
    }

    [Fact]
    public async Task TrainerPool_must_be_shared_per_system_and_disposed_when_it_terminates()
    {
        var system = ActorSystem.Create("pool-spec");
        var pool = TrainerPool.For(system, 2);
        Assert.Same(pool, TrainerPool.For(system, 2));
        Assert.Equal(2, pool.Slots);
        Assert.Equal(1, await pool.Run(_ => 1).WaitAsync(Wait));

        await system.Terminate().WaitAsync(Wait);

        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.Run(_ => 1).WaitAsync(Wait));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen) return;
            seen = previous;
        }
    }
}
