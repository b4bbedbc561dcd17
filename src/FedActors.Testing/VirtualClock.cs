using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;

namespace FedActors.Testing;

/// <summary>
/// Virtual time for an actor system whose scheduler is Akka.TestKit's <see cref="TestScheduler"/>: round
/// deadlines and simulated slowness are timers, so a test moves time forward instead of waiting for it and a
/// 30-second deadline passes in milliseconds. Configure the system with <see cref="Hocon"/> (e.g. pass it to
/// the TestKit base constructor).
/// </summary>
public sealed class VirtualClock
{
    /// <summary>Makes an actor system's scheduler a <see cref="TestScheduler"/>.</summary>
    public const string Hocon = "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"";

    /// <summary>Real time without any sign of activity after which <see cref="RunAsync{T}"/> moves time on.</summary>
    public static readonly TimeSpan DefaultQuiet = TimeSpan.FromMilliseconds(25);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(2);

    /// <summary>Wake-ups of <see cref="RunAsync{T}"/>'s loop without activity before time moves on (see there).</summary>
    private const int MinQuietPolls = 8;

    public VirtualClock(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        Scheduler = system.Scheduler as TestScheduler
            ?? throw new InvalidOperationException(
                $"actor system '{system.Name}' runs on {system.Scheduler.GetType().Name}, not a TestScheduler; " +
                $"create it with {nameof(VirtualClock)}.{nameof(Hocon)}");
        Start = Scheduler.Now;
    }

    /// <summary><see cref="Hocon"/> as a config to fall back on.</summary>
    public static Config Config => ConfigurationFactory.ParseString(Hocon);

    public TestScheduler Scheduler { get; }

    /// <summary>Virtual time when this clock was made.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>Virtual time passed since <see cref="Start"/>.</summary>
    public TimeSpan Elapsed => Scheduler.Now - Start;

    /// <summary>Whether <paramref name="system"/> runs on virtual time.</summary>
    public static bool IsVirtual(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.Scheduler is TestScheduler;
    }

    /// <summary>Moves virtual time on, firing every timer that falls due, in order.</summary>
    public void Advance(TimeSpan by) => Scheduler.Advance(by);

    /// <summary>
    /// Waits for <paramref name="work"/>, moving virtual time on by <paramref name="step"/> whenever the system
    /// has been quiet for <paramref name="quiet"/> of real time, i.e. <paramref name="activity"/> (any counter
    /// that grows as the system works, such as <see cref="FakeFederation.Activity"/>) has not changed. Time
    /// therefore only moves while everything that can happen without it has happened; keep deadlines several
    /// steps long so a reply that is merely slow in real time is never overtaken by one. Pass
    /// <paramref name="computing"/> to hold time outright while a client computes (<see cref="FakeFederation"/> does).
    /// </summary>
    /// <param name="computing">
    /// True while something is being computed that takes no virtual time (a fake client's fit on a trainer thread):
    /// time never moves on then, however long the real machine takes, so a starved test machine cannot push a reply
    /// past its deadline. Null = never.
    /// </param>
    /// <exception cref="TimeoutException">More than <paramref name="limit"/> of virtual time passed (default: a day).</exception>
    public async Task<T> RunAsync<T>(
        Task<T> work, TimeSpan step, Func<long> activity, TimeSpan? quiet = null, TimeSpan? limit = null, Func<bool>? computing = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(step, TimeSpan.Zero);
        var quietFor = quiet ?? DefaultQuiet;
        var deadline = Elapsed + (limit ?? TimeSpan.FromDays(1));
        var seen = activity();
        var still = Stopwatch.StartNew();
        var polls = 0;
        void RestartQuiet()
        {
            still.Restart();
            polls = 0;
        }
        while (!work.IsCompleted)
        {
            await Task.WhenAny(work, Task.Delay(Poll)).ConfigureAwait(false);
            polls++;
            var now = activity();
            if (now != seen)
            {
                seen = now;
                RestartQuiet();
                continue;
            }
            // Quiet means quiet for a while of real time *and* over several wake-ups of this loop: on a starved machine
            // (the process descheduled for longer than `quiet`), real time passes with no thread of the process running,
            // and a reply on its way must not be overtaken by a deadline because of it.
            if (work.IsCompleted || still.Elapsed < quietFor || polls < MinQuietPolls) continue;
            if (computing?.Invoke() == true)
            {
                RestartQuiet();
                continue;
            }
            if (Elapsed >= deadline)
                throw new TimeoutException($"still running after {Elapsed} of virtual time");
            Advance(step);
            RestartQuiet();
        }
        return await work.ConfigureAwait(false);
    }
}
