using System.Collections.Concurrent;
using TorchSharp;

namespace FedActors.Learning;

/// <summary>
/// Native <see cref="Scalar"/>s that live for the whole process, for every scalar this project passes to a
/// TorchSharp op. Why: TorchSharp 0.107 turns a .NET number into a temporary Scalar, hands its native
/// handle to libtorch and never disposes it, so only the finalizer frees it, and nothing keeps the managed
/// object alive during the native call. When a garbage collection lands in that window (likely when the
/// cores are oversubscribed and a training thread is descheduled mid-op), the finalizer thread frees the
/// Scalar that libtorch is about to read and the memory goes to another Scalar. Seen here in Release runs:
/// "Unknown scalar type" in <c>lt</c>, "argument alpha must not be a floating point number" in BatchNorm's
/// counter; the silent variant is an op run with the wrong number. A Scalar held by a static table is never
/// finalized. Values come from configuration and code constants, so the table stays small; do not pass
/// per-step values (a learning rate) here: create those with <c>ToScalar()</c> in a <c>using</c>. Mind the
/// overloads that build a Scalar themselves: <c>add(Scalar)</c> and <c>add_(Scalar)</c> (and the Tensor
/// versions) create their alpha of 1 as a temporary, so always pass the alpha (<see cref="One"/>).
/// </summary>
internal static class RootedScalars
{
    private static readonly ConcurrentDictionary<long, Scalar> Doubles = new();

    public static Scalar Zero { get; } = Of(0.0);
    public static Scalar One { get; } = Of(1.0);
    public static Scalar Two { get; } = Of(2.0);

    /// <summary>Int64 one, for integer tensors (an int tensor rejects a floating-point alpha).</summary>
    public static Scalar LongOne { get; } = 1L.ToScalar();

    /// <summary>The process-wide float64 Scalar for <paramref name="value"/>.</summary>
    public static Scalar Of(double value) =>
        Doubles.GetOrAdd(BitConverter.DoubleToInt64Bits(value), static (_, v) => v.ToScalar(), value);
}
