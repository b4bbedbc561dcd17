using System.Collections;
using System.Security.Cryptography;
using System.Runtime.InteropServices;

namespace FedActors.Core;

/// <summary>
/// An ordered, immutable set of named tensors: a model's state dict, or the part of it a client sends.
/// Order is the model's registration order, so two snapshots of one architecture line up by index.
/// </summary>
public sealed class ModelWeights : IReadOnlyList<NamedTensor>
{
    private readonly NamedTensor[] _tensors;
    private readonly Dictionary<string, int> _index;

    public static ModelWeights Empty { get; } = new([]);

    public ModelWeights(IEnumerable<NamedTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _tensors = tensors.ToArray();
        _index = new Dictionary<string, int>(_tensors.Length, StringComparer.Ordinal);
        for (var i = 0; i < _tensors.Length; i++)
        {
            if (!_index.TryAdd(_tensors[i].Name, i))
                throw new ArgumentException($"duplicate tensor name '{_tensors[i].Name}'", nameof(tensors));
        }
    }

    public int Count => _tensors.Length;
    public NamedTensor this[int index] => _tensors[index];
    public NamedTensor this[string name] =>
        _index.TryGetValue(name, out var i) ? _tensors[i] : throw new KeyNotFoundException($"no tensor named '{name}'");

    public IEnumerable<string> Names => _tensors.Select(t => t.Name);
    public bool Contains(string name) => _index.ContainsKey(name);

    public bool TryGet(string name, out NamedTensor tensor)
    {
        if (_index.TryGetValue(name, out var i))
        {
            tensor = _tensors[i];
            return true;
        }
        tensor = null!;
        return false;
    }

    public long ParameterCount => _tensors.Sum(t => (long)t.Data.Length);
    public long ByteSize => ParameterCount * sizeof(float);

    /// <summary>The tensors whose name satisfies <paramref name="keep"/>, in order.</summary>
    public ModelWeights Where(Func<string, bool> keep) => new(_tensors.Where(t => keep(t.Name)));

    /// <summary>This snapshot with every tensor of <paramref name="overrides"/> replacing or appended to it.</summary>
    public ModelWeights With(ModelWeights overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        if (overrides.Count == 0) return this;
        var merged = _tensors.Select(t => overrides.TryGet(t.Name, out var o) ? o : t).ToList();
        merged.AddRange(overrides.Where(o => !Contains(o.Name)));
        return new ModelWeights(merged);
    }

    /// <summary>SHA-256 over names, shapes and values: identifies a snapshot across processes.</summary>
    public string ContentHash()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> four = stackalloc byte[4];
        foreach (var t in _tensors)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(t.Name));
            foreach (var d in t.Shape)
            {
                BitConverter.TryWriteBytes(four, d);
                sha.AppendData(four);
            }
            sha.AppendData(MemoryMarshal.AsBytes(t.Data.AsSpan()));
        }
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }

    public IEnumerator<NamedTensor> GetEnumerator() => ((IEnumerable<NamedTensor>)_tensors).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
