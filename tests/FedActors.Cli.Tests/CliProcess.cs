using System.Diagnostics;

namespace FedActors.Cli.Tests;

/// <summary>Starts the real <c>fedactors</c> program (built beside this test) as a child process.</summary>
internal static class CliProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "fedactors.dll");

    /// <param name="onLine">Called with every line the program writes (stdout and stderr), on a reader thread.</param>
    /// <param name="environment">Variables set for the child besides this process's.</param>
    public static Process Start(
        IEnumerable<string> args, string logPath, Action<string>? onLine = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start fedactors");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        void Received(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (log) log.WriteLine(e.Data);
            onLine?.Invoke(e.Data);
        }
        process.OutputDataReceived += Received;
        process.ErrorDataReceived += Received;
        process.Exited += (_, _) => { lock (log) log.Flush(); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
