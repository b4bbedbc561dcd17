using System.Diagnostics;
using System.Text.Json;

namespace FedActors.Core.Tests.Strategies;

/// <summary>
/// Runs a NumPy script as an independent reference. Python and NumPy are optional: tests that need them are
/// <see cref="NumpyFactAttribute"/>s, skipped when no Python here can import NumPy. <c>FEDACTORS_PYTHON</c> names
/// the only interpreter to try; otherwise <c>python3</c> on the path, then <c>/usr/bin/python3</c> (Debian's python3-numpy).
/// </summary>
internal static class Numpy
{
    private static readonly Lazy<string?> Interpreter = new(Find);

    public static bool Available => Interpreter.Value is not null;

    /// <summary>Runs <paramref name="script"/> with <paramref name="input"/> as JSON on its standard input; returns its standard output parsed as JSON.</summary>
    public static JsonElement Run(string script, object input)
    {
        var python = Interpreter.Value ?? throw new InvalidOperationException("no Python with NumPy");
        var path = Path.Combine(Path.GetTempPath(), $"fedactors-numpy-{Guid.NewGuid():N}.py");
        File.WriteAllText(path, script);
        try
        {
            var start = new ProcessStartInfo(python, [path])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {python}");
            var error = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(JsonSerializer.Serialize(input));
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{python} failed ({process.ExitCode}): {error.Result}");
            return JsonDocument.Parse(output).RootElement.Clone();
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A JSON array of numbers as doubles.</summary>
    public static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static string? Find()
    {
        // A configured interpreter is the only one tried (set it to a missing path to see the tests skip).
        var candidates = Environment.GetEnvironmentVariable("FEDACTORS_PYTHON") is { Length: > 0 } configured
            ? new List<string> { configured }
            : ["python3", "/usr/bin/python3"];
        foreach (var candidate in candidates)
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(candidate, ["-c", "import numpy"])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                });
                if (process is null) continue;
                if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
                {
                    process.Kill();
                    continue;
                }
                if (process.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed under that name.
            }
        }
        return null;
    }
}

/// <summary>A fact that needs NumPy (<see cref="Numpy"/>): skipped, saying why, where none is installed.</summary>
public sealed class NumpyFactAttribute : FactAttribute
{
    public NumpyFactAttribute()
    {
        if (!Numpy.Available) Skip = "no Python with NumPy here (python3, /usr/bin/python3 or FEDACTORS_PYTHON): the NumPy reference is optional";
    }
}
