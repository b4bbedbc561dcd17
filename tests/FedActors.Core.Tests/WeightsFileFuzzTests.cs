using System.Security.Cryptography;
using FedActors.Core;
using FedActors.Tests.Fuzzing;
using Xunit.Abstractions;

namespace FedActors.Core.Tests;

/// <summary>
/// <see cref="WeightsFile.Read"/> on seeded random and mutated files: it reads them or throws an
/// <see cref="InvalidDataException"/> naming the file, allocating no more than a small multiple of the file's size.
/// </summary>
public sealed class WeightsFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 20260113;

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"fedactors-fuzz-{Guid.NewGuid():N}.weights");

    public void Dispose()
    {
        File.Delete(_path);
        File.Delete(_path + ".tmp");
    }

    /// <summary>
    /// The file's bytes plus the reader's own needs: one small object set per tensor (name, shape, tensor, its slot in
    /// the model's list and index), at most a few hundred bytes for the smallest tensor, 13 bytes.
    /// </summary>
    private static long AllocationBound(FuzzInput input) => 24L * input.Bytes.Length + 64 * 1024;

    [Fact]
    public void Read_must_read_or_refuse_naming_the_file_every_mutated_file()
    {
        var inputs = new FuzzInputs(Seed, ValidFiles(), mutations: 2000);

        var report = ParserFuzz.Run<InvalidDataException>(
            inputs,
            input =>
            {
                // Half the inputs carry a correct SHA-256 of their mutated body, so the parser behind the checksum is
                // fuzzed too, as by a writer with a bug, or a corruption that happens before the hash is taken.
                File.WriteAllBytes(_path, input.Index % 2 == 1 ? Resealed(input.Bytes) : input.Bytes);
                return () => WeightsFile.Read(_path);
            },
            AllocationBound,
            NamesTheFile);

        output.WriteLine(report.ToString());
        ParserFuzz.AssertNoFailures(report);
        Assert.True(report.Read >= inputs.Count / 20, $"only {report.Read} inputs read: the mutations hardly reach the parser");
    }

    /// <summary>
    /// Files the run above found mishandled (its input number; as written to disk, checksum included), and one found by
    /// reading the code. Before the fixes the first three allocated 8.6, 7.3 and 8.3 GB, the last threw an
    /// <see cref="ArgumentException"/>.
    /// </summary>
    public static TheoryData<string, string> FoundFiles() => new()
    {
        { "#293: a count of 2^30 tensors", "RkFXVAEAAAABAABABgAAAHNjYWxhcgAAAAAAAChCGJ+hAonmQztyfCf0h0xRTAa5cvIoOuSc/mG4LKV9IlI=" },
        { "#67: a rank of 1.9 billion, read from a name", "RkFXVAEAAAABAAAAAAAAAHNjYWxhcgAAAAAAAChCRqKh+GxGMu6jmnhrfzdE6zmjOBcr2LKyVonCZTEXaU0=" },
        {
            "#169: a shape of 2x520093698 in a 197-byte file",
            "RkFXVAEAAAADAAAAFQAAAGJhY2tib25lLmNvbnYxLndlaWdodAQAAAACAAAAAQAAAAIAAB8CAAAAAACAPwAAAEAAAEBAAACAQAAAoEAAAMBAAADgQAEAAAASAAAAaGVhZHMuZmxvd2Vycy5iaWFzAQAAAAMAAAAAAMC/AAAAAMrySXEWAAAAYm4ubnVtX2JhdGNoZXNfdHJhY2tlZAAAAAAAAOBAKqh7H0yMytJNaZMY0badHJcdXH/6oyyfTKoXuDbUs/Y="
        },
        { "two tensors of the same name", Convert.ToBase64String(Sealed(DuplicateNames())) },
    };

    [Theory]
    [MemberData(nameof(FoundFiles))]
    public void Read_must_refuse_naming_the_file_the_files_fuzzing_found(string kind, string base64)
    {
        var bytes = Convert.FromBase64String(base64);

        var report = ParserFuzz.Run<InvalidDataException>(
            [new FuzzInput(Seed, 0, kind, bytes, bytes)],
            input =>
            {
                File.WriteAllBytes(_path, input.Bytes);
                return () => WeightsFile.Read(_path);
            },
            AllocationBound,
            NamesTheFile);

        ParserFuzz.AssertNoFailures(report);
        Assert.Equal(1, report.Refused);
    }

    private string? NamesTheFile(InvalidDataException e, FuzzInput input) =>
        e.Message.Contains(_path, StringComparison.Ordinal) ? null : "does not name the file";

    private IReadOnlyList<byte[]> ValidFiles()
    {
        ModelWeights[] models =
        [
            ModelWeights.Empty,
            new([new NamedTensor("scalar", [], [42f])]),
            new([
                new NamedTensor("backbone.conv1.weight", [2, 1, 2, 2], [1, 2, 3, 4, 5, 6, 7, float.Epsilon]),
                new NamedTensor("heads.flowers.bias", [3], [-1.5f, 0, 1e30f]),
                new NamedTensor("bn.num_batches_tracked", [], [7f]),
            ]),
            new([
                new NamedTensor("empty", [0, 4], []),
                new NamedTensor("gewichte.ü", [5], [float.NaN, float.PositiveInfinity, -0f, 1, 2]),
            ]),
            new([new NamedTensor("fc.weight", [10, 30], [.. Enumerable.Range(0, 300).Select(i => i / 7f)])]),
        ];
        return models.Select(m =>
        {
            WeightsFile.Write(_path, m);
            return File.ReadAllBytes(_path);
        }).ToList();
    }

    private static byte[] Resealed(byte[] file) =>
        file.Length < SHA256.HashSizeInBytes ? file : Sealed(file.AsSpan(0, file.Length - SHA256.HashSizeInBytes));

    private static byte[] Sealed(ReadOnlySpan<byte> body) => [.. body, .. SHA256.HashData(body)];

    /// <summary>The body of a file of two scalars named "a", which no writer of <see cref="ModelWeights"/> can make.</summary>
    private static byte[] DuplicateNames()
    {
        byte[] scalar = [1, 0, 0, 0, (byte)'a', 0, 0, 0, 0, 0, 0, 0x80, 0x3F];
        return [.. "FAWT"u8, 1, 0, 0, 0, 2, 0, 0, 0, .. scalar, .. scalar];
    }
}
