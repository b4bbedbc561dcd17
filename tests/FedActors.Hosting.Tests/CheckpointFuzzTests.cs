using System.Text;
using FedActors.Core;
using FedActors.Tests.Fuzzing;
using Xunit.Abstractions;

namespace FedActors.Hosting.Tests;

/// <summary>
/// <see cref="Checkpoint.Read"/> on seeded random and mutated state files: it reads them or throws an
/// <see cref="InvalidDataException"/> naming the state file, allocating no more than a small multiple of its size.
/// A state that reads must name only weight files of its own folder that exist.
/// </summary>
public sealed class CheckpointFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 20260113;

    private static readonly IReadOnlyList<byte[]> Tokens =
    [
        .. new[]
        {
            "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u0000", "\\ud800", "null", "true", "false", "NaN", "-Infinity", "1e999",
            "-1", "2147483648", "9223372036854775808", "0.5", "\"global_file\": ", "\"ssl_file\": ", "\"version\": ", "\"arm_index\": ",
            "../", "/etc/passwd", "global-a0-s0-p0-r1.weights", "ssl-a0-s0.weights", "state.json", "\"finished_arms\": [",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Read_must_read_or_refuse_naming_the_file_every_mutated_state()
    {
        var valid = ValidStates();
        var inputs = new FuzzInputs(Seed, valid, mutations: 3000, Tokens);
        var folder = Path.Combine(_dir.Path, Checkpoint.Folder);

        var report = ParserFuzz.Run<InvalidDataException>(
            inputs,
            input =>
            {
                File.WriteAllBytes(Checkpoint.PathIn(_dir.Path), input.Bytes);
                return () =>
                {
                    var state = Checkpoint.Read(_dir.Path);
                    // What it accepts names only files of its folder that exist.
                    foreach (var file in new[] { state!.GlobalFile, state.SslFile }.OfType<string>())
                    {
                        var path = Path.GetFullPath(Checkpoint.WeightsPath(_dir.Path, file));
                        if (Path.GetDirectoryName(path) != Path.GetFullPath(folder) || !File.Exists(path))
                            throw new InvalidOperationException($"accepted a state that names '{file}'");
                    }
                };
            },
            // UTF-16 strings and the JSON reader's buffers: a small multiple of the text.
            input => 32L * input.Bytes.Length + 256 * 1024,
            (e, _) => e.Message.Contains(Checkpoint.PathIn(_dir.Path), StringComparison.Ordinal) ? null : "does not name the state file");

        output.WriteLine(report.ToString());
        ParserFuzz.AssertNoFailures(report);
        // Strict JSON refuses most mutations; enough still parse to exercise the checks behind the parser.
        Assert.True(report.Read >= inputs.Count / 100, $"only {report.Read} inputs read: the mutations hardly reach the checks");
    }

    /// <summary>States the real writer makes, with the weight files they name in place.</summary>
    private List<byte[]> ValidStates()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, Checkpoint.Folder));
        var weights = new ModelWeights([new NamedTensor("w", [1], [1f])]);
        foreach (var name in new[] { Checkpoint.RoundWeightsName(0, 1, 1, 3), Checkpoint.SslWeightsName(0, 0) })
            WeightsFile.Write(Checkpoint.WeightsPath(_dir.Path, name), weights);
        var result = new SavedClientResult("fl+ssl", "flowers", "flowers", 0.25, 0.5, 1927);
        Checkpoint[] states =
        [
            new() { Seed = 3, ArmIndex = 0, StageIndex = 1, PhaseIndex = 1, RoundsDone = 3, GlobalFile = Checkpoint.RoundWeightsName(0, 1, 1, 3),
                SslFile = Checkpoint.SslWeightsName(0, 0), MetricsBytes = 12_345, WallSecondsBefore = 12.5, ArmSecondsBefore = 3.25,
                ArmResults = [result], StageLastEvaluation = [result, result with { Client = "scenes", Task = "scenes" }],
                ArmCounts = new SavedCounts(1, 2, 3, 4, 5, 6) },
            new() { Seed = -7, ArmIndex = 2, MetricsBytes = 99,
                FinishedArms = [new SavedArm("cl", [result], 10.5, "supervised 20 rounds", new SavedCounts()), new SavedArm("fl", [], 1, "", new SavedCounts())] },
        ];
        var texts = new List<byte[]>();
        foreach (var state in states)
        {
            state.Write(_dir.Path);
            texts.Add(File.ReadAllBytes(Checkpoint.PathIn(_dir.Path)));
        }
        return texts;
    }
}
