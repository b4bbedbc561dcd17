using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace FedActors.Testing.Tests;

public class VirtualClockSpec : TestKit
{
    public VirtualClockSpec()
        : base(VirtualClock.Hocon)
    {
    }

    [Fact]
    public async Task VirtualClock_must_move_time_on_only_as_far_as_the_work_needs()
    {
        var clock = new VirtualClock(Sys);
        var done = new TaskCompletionSource<int>();
        Sys.Scheduler.Advanced.ScheduleOnce(TimeSpan.FromMinutes(10), () => done.SetResult(42));

        var value = await clock.RunAsync(done.Task, step: TimeSpan.FromMinutes(1), activity: () => 0);

        Assert.Equal(42, value);
        Assert.Equal(TimeSpan.FromMinutes(10), clock.Elapsed);
    }

    [Fact]
    public async Task VirtualClock_must_hold_time_while_something_is_computing_however_long_it_takes()
    {
        var clock = new VirtualClock(Sys);
        var computing = true;
        var elapsedWhileComputing = TimeSpan.MaxValue;
        var done = new TaskCompletionSource<bool>();
        Sys.Scheduler.Advanced.ScheduleOnce(TimeSpan.FromSeconds(1), () => done.TrySetResult(true));
        _ = Task.Run(async () =>
        {
            await Task.Delay(300); // twelve quiet periods of real time, with no activity at all
            elapsedWhileComputing = clock.Elapsed;
            Volatile.Write(ref computing, false);
        });

        await clock.RunAsync(
            done.Task, TimeSpan.FromSeconds(1), activity: () => 0, quiet: TimeSpan.FromMilliseconds(25), computing: () => Volatile.Read(ref computing));

        Assert.Equal(TimeSpan.FromSeconds(1), clock.Elapsed);
        Assert.False(Volatile.Read(ref computing)); // time moved only once the computation was over
        Assert.Equal(TimeSpan.Zero, elapsedWhileComputing);
    }

    [Fact]
    public async Task VirtualClock_must_hold_time_while_there_is_activity()
    {
        var clock = new VirtualClock(Sys);
        var busy = 0L;
        var done = new TaskCompletionSource<bool>();
        var work = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                Interlocked.Increment(ref busy);
                await Task.Delay(5);
            }
            done.SetResult(true);
        });

        await clock.RunAsync(done.Task, TimeSpan.FromSeconds(1), () => Interlocked.Read(ref busy), quiet: TimeSpan.FromMilliseconds(500));

        Assert.Equal(TimeSpan.Zero, clock.Elapsed);
        await work;
    }

    [Fact]
    public async Task VirtualClock_must_give_up_past_its_limit()
    {
        var clock = new VirtualClock(Sys);

        await Assert.ThrowsAsync<TimeoutException>(() => clock.RunAsync(
            new TaskCompletionSource<int>().Task, TimeSpan.FromHours(1), () => 0, limit: TimeSpan.FromHours(3)));
        Assert.InRange(clock.Elapsed, TimeSpan.FromHours(3), TimeSpan.FromHours(4));
    }

    [Fact]
    public void VirtualClock_must_refuse_a_system_on_real_time()
    {
        using var real = ActorSystem.Create("real-time");

        Assert.False(VirtualClock.IsVirtual(real));
        Assert.True(VirtualClock.IsVirtual(Sys));
        var error = Assert.Throws<InvalidOperationException>(() => new VirtualClock(real));
        Assert.Contains(nameof(VirtualClock.Hocon), error.Message, StringComparison.Ordinal);
    }
}
