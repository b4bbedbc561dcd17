using FedActors.Hosting;
using Spectre.Console;

namespace FedActors.Cli;

/// <summary>
/// Run output for a terminal: a live progress bar per phase showing that phase's latest round line,
/// with every other line printed above the bars. A finished phase's bar is replaced by its last round
/// line, so the scrollback keeps one line per phase. Dispose it when the run ends, also on failure, so
/// the live display is taken down and the cursor shown again.
/// </summary>
public sealed class SpectreRunOutput : IRunOutput, IRoundProgress, IDisposable
{
    private readonly IAnsiConsole _console;
    private readonly Lock _gate = new();

    /// <summary>Phases announced and not yet over, in the order they run.</summary>
    private readonly List<PhaseBar> _phases = [];

    private ProgressContext? _context;
    private TaskCompletionSource? _stop;
    private Task? _display;

    public SpectreRunOutput(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        _console = console;
    }

    /// <summary>
    /// Progress bars when <paramref name="plainOut"/> is this process's stdout on an interactive terminal;
    /// otherwise (redirected, <c>CI</c> set, <c>TERM=dumb</c>, a writer of the caller's) exactly the plain lines.
    /// </summary>
    public static IRunOutput Create(TextWriter plainOut)
    {
        ArgumentNullException.ThrowIfNull(plainOut);
        if (!IsTerminal(plainOut)) return new TextRunOutput(plainOut);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(plainOut) });
        var caps = console.Profile.Capabilities;
        return caps.Ansi && caps.Interactive ? new SpectreRunOutput(console) : new TextRunOutput(plainOut);
    }

    private static bool IsTerminal(TextWriter writer) =>
        ReferenceEquals(writer, Console.Out)
        && !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
        && !string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);

    public void Line(string text)
    {
        lock (_gate) _console.WriteLine(text, Style.Plain);
    }

    public void PhaseStarted(string arm, string phase, int rounds)
    {
        if (rounds <= 0) return;
        lock (_gate)
        {
            // A phase announced twice (the centralized arms run one stage per task) starts a new bar.
            var stale = Find(arm, phase);
            if (stale is not null) Finish(stale);
            Announce(arm, phase, rounds);
        }
    }

    public void RoundDone(string arm, string phase, int round, int rounds, string line)
    {
        lock (_gate)
        {
            var bar = Find(arm, phase) ?? Announce(arm, phase, rounds);
            if (!bar.Task.IsStarted) bar.Task.StartTask();
            bar.LastLine = line;
            bar.Task.MaxValue = Math.Max(1, rounds);
            bar.Task.Value = round;
            bar.Task.Description = Markup.Escape(line);
            if (round >= rounds) Finish(bar);
        }
    }

    public void PhaseEnded(string arm, string phase)
    {
        lock (_gate)
        {
            var bar = Find(arm, phase);
            if (bar is not null) Finish(bar);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var bar in _phases.ToList()) Finish(bar);
            StopDisplay();
        }
    }

    private PhaseBar? Find(string arm, string phase) =>
        _phases.Find(b => b.Arm == arm && b.Phase == phase);

    private PhaseBar Announce(string arm, string phase, int rounds)
    {
        var context = StartDisplay();
        var first = _phases.Count == 0;
        var task = context.AddTask(Waiting(arm, phase, rounds, first), autoStart: first, maxValue: Math.Max(1, rounds));
        var bar = new PhaseBar(arm, phase, rounds, task);
        _phases.Add(bar);
        return bar;
    }

    /// <summary>Takes the bar down, leaves its last round line in the scrollback, starts the next phase's bar.</summary>
    private void Finish(PhaseBar bar)
    {
        bar.Task.StopTask();
        _phases.Remove(bar);
        if (bar.LastLine is not null) _console.WriteLine(bar.LastLine, Style.Plain);
        if (_phases.Count == 0)
        {
            StopDisplay();
            return;
        }
        var next = _phases[0];
        if (!next.Task.IsStarted)
        {
            next.Task.StartTask();
            next.Task.Description = Waiting(next.Arm, next.Phase, next.Rounds, running: true);
        }
    }

    private static string Waiting(string arm, string phase, int rounds, bool running) =>
        Markup.Escape($"{arm} {phase}: {rounds} rounds, {(running ? "round 1 running" : "waiting")}");

    private ProgressContext StartDisplay()
    {
        if (_context is not null) return _context;
        var ready = new TaskCompletionSource<ProgressContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        _stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stop = _stop.Task;
        _display = _console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(
                new SpinnerColumn(),
                new ProgressBarColumn { Width = 24 },
                new ElapsedTimeColumn(),
                new TaskDescriptionColumn { Alignment = Justify.Left })
            .StartAsync(context =>
            {
                ready.SetResult(context);
                return stop;
            });
        // The display fails before handing over its context only if it cannot start at all.
        var started = Task.WhenAny(ready.Task, _display).GetAwaiter().GetResult();
        if (started != ready.Task) _display.GetAwaiter().GetResult();
        _context = ready.Task.GetAwaiter().GetResult();
        return _context;
    }

    private void StopDisplay()
    {
        if (_context is null) return;
        _stop!.SetResult();
        _display!.GetAwaiter().GetResult();
        _context = null;
        _stop = null;
        _display = null;
    }

    private sealed class PhaseBar(string arm, string phase, int rounds, ProgressTask task)
    {
        public string Arm { get; } = arm;
        public string Phase { get; } = phase;
        public int Rounds { get; } = rounds;
        public ProgressTask Task { get; } = task;
        public string? LastLine { get; set; }
    }
}
