using System.Diagnostics;

namespace FedActors.Bench;

/// <summary>
/// Runs this benchmark (or another program) in a fresh process: peak RSS and malloc tunables are per
/// process, and glibc reads <c>GLIBC_TUNABLES</c> only when a process starts.
/// </summary>
internal static class ChildProcess
{
    /// <summary>Runs this benchmark with <paramref name="args"/>; returns its standard output.</summary>
    public static string RunSelf(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var self = typeof(ChildProcess).Assembly.Location;
        // Run as `dotnet FedActors.Bench.dll` or as the apphost: start the child the same way.
        var viaDotnet = Path.GetFileNameWithoutExtension(host) == "dotnet";
        return Run(host, viaDotnet ? [self, .. args] : args, environment);
    }

    public static string Run(string program, IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(" ", args)} exited with {process.ExitCode}: {output}");
        return output.Trim();
    }

    /// <summary>Starts this benchmark with <paramref name="args"/>, its standard input and output piped, and returns at once.</summary>
    public static Process StartSelf(IReadOnlyList<string> args)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var self = typeof(ChildProcess).Assembly.Location;
        var viaDotnet = Path.GetFileNameWithoutExtension(host) == "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in viaDotnet ? [self, .. args] : args) start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
    }

    /// <summary>A field of <c>/proc/&lt;pid&gt;/status</c> (this process by default) in MiB (VmHWM: peak resident set; VmRSS: resident now).</summary>
    public static double StatusMiB(string field, int? pid = null)
    {
        var line = File.ReadLines($"/proc/{(pid is { } p ? p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "self")}/status")
            .First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        var kib = long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        return kib / 1024.0;
    }
}
