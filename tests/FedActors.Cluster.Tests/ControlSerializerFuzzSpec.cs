using System.Runtime.Serialization;
using System.Text;
using Akka.Serialization;
using FedActors.Tests.Fuzzing;
using Xunit.Abstractions;

namespace FedActors.Cluster.Tests;

/// <summary>
/// <see cref="ControlSerializer.FromBinary"/> on seeded random and mutated messages, manifests included: it reads them
/// or throws a <see cref="SerializationException"/>, allocating no more than a small multiple of the message.
/// </summary>
public sealed class ControlSerializerFuzzSpec(ControlSerializerSpec.NodeFixture node, ITestOutputHelper output)
    : IClassFixture<ControlSerializerSpec.NodeFixture>
{
    private const int Seed = 20260113;

    private readonly SerializerWithStringManifest _serializer =
        (SerializerWithStringManifest)node.System.Serialization.FindSerializerForType(typeof(ClientHost.Fit));

    [Fact]
    public void FromBinary_must_read_or_refuse_every_mutated_message()
    {
        var inputs = new FuzzInputs(Seed, ValidMessages(), mutations: 10_000);

        var report = ParserFuzz.Run<SerializationException>(
            inputs,
            input =>
            {
                var (manifest, bytes) = Unwrap(input.Bytes);
                return () => _serializer.FromBinary(bytes, manifest);
            },
            // Strings as UTF-16 (2x), and the entries of lists and maps whose counts were checked against the bytes left.
            input => 16L * input.Bytes.Length + 64 * 1024);

        output.WriteLine(report.ToString());
        ParserFuzz.AssertNoFailures(report);
        Assert.True(report.Read >= inputs.Count / 20, $"only {report.Read} inputs read: the mutations hardly reach the parser");
    }

    /// <summary>Each message as the fuzzer sees it: its manifest's length in one byte, the manifest, the message's bytes.</summary>
    private IReadOnlyList<byte[]> ValidMessages() =>
        ControlSerializerSpec.Messages.Cast<object[]>().Select(row => (IClusterMessage)row[0])
            .Append(new ClientHost.Roster([.. Enumerable.Range(0, 300).Select(i => new ClientHost.HostedClient($"client-{i}", "A", i % 7))]))
            .Select(Wrap)
            .ToList();

    private byte[] Wrap(IClusterMessage message)
    {
        var manifest = Encoding.ASCII.GetBytes(_serializer.Manifest(message));
        return [(byte)manifest.Length, .. manifest, .. _serializer.ToBinary(message)];
    }

    private static (string Manifest, byte[] Bytes) Unwrap(byte[] input)
    {
        if (input.Length == 0) return ("", []);
        var length = Math.Min(input[0], input.Length - 1);
        return (Encoding.Latin1.GetString(input, 1, length), input[(1 + length)..]);
    }
}
