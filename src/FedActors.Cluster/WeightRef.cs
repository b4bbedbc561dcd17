namespace FedActors.Cluster;

/// <summary>
/// Where to fetch a weight snapshot: what a control message carries instead of the weights themselves.
/// </summary>
/// <param name="Hash">
/// The snapshot's <see cref="WeightCodec.Checksum"/> (XxHash128 of its encoding, 32 lowercase hex digits): the key the
/// offering node serves it by, and what the receiver checks the bytes against.
/// </param>
/// <param name="Version">The offering store's registration number, increasing per node (for logs and ordering).</param>
/// <param name="Host">Data-plane host of the node that holds it.</param>
/// <param name="Port">Data-plane port of that node.</param>
/// <param name="ByteSize">Exact length of its wire encoding (<see cref="WeightCodec"/>).</param>
public sealed record WeightRef(string Hash, long Version, string Host, int Port, long ByteSize)
{
    public override string ToString() => $"{Hash[..Math.Min(12, Hash.Length)]}@{Host}:{Port} ({ByteSize} B, v{Version})";
}

/// <summary>A weight transfer that failed: unreachable peer, unknown snapshot, size bound, or integrity check.</summary>
public sealed class WeightTransferException : IOException
{
    public WeightTransferException(string message) : base(message) { }
    public WeightTransferException(string message, Exception inner) : base(message, inner) { }
}
