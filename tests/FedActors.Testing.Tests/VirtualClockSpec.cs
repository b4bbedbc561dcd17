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
        var done = new TaskCompletionSource<bool>();
        Sys.Scheduler.Advanced.ScheduleOnce(TimeSpan.FromSeconds(1), () => done.TrySetResult(true));
        // The clock asks only once the system has been quiet for a whole quiet period, i.e. when it would move time
        // on otherwise: the computation lasts three such asks, all of them answered while time stood still.
        var asked = 0;
        var elapsedWhileComputing = new List<TimeSpan>();
        bool Computing()
        {
            if (asked == 3) return false;
            asked++;
            elapsedWhileComputing.Add(clock.Elapsed);
            return true;
        }

        await clock.RunAsync(
            done.Task, TimeSpan.FromSeconds(1), activity: () => 0, quiet: TimeSpan.FromMilliseconds(25), computing: Computing);

        Assert.Equal([TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero], elapsedWhileComputing);
        Assert.Equal(TimeSpan.FromSeconds(1), clock.Elapsed); // time moved only once the computation was over
    }

    [Fact]
    public async Task VirtualClock_must_hold_time_while_there_is_activity()
    {
        var clock = new VirtualClock(Sys);
        var done = new TaskCompletionSource<bool>();
        var real = System.Diagnostics.Stopwatch.StartNew();
        var looks = 0L;
        // Busy at every look, for eight quiet periods of real time: a clock that ignored activity would have moved.
        long Activity()
        {
            if (real.Elapsed > TimeSpan.FromMilliseconds(200)) done.TrySetResult(true);
            return ++looks;
        }

        await clock.RunAsync(done.Task, TimeSpan.FromSeconds(1), Activity, quiet: TimeSpan.FromMilliseconds(25));

        Assert.Equal(TimeSpan.Zero, clock.Elapsed);
        Assert.True(real.Elapsed > TimeSpan.FromMilliseconds(200));
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
