using System.Buffers.Binary;
using System.Collections;
using System.Collections.Specialized;
using FedActors.Core;
using FedActors.Learning.Weights;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FedActors.Learning.Interop;

/// <summary>
/// A PyTorch state dict on disk (<c>torch.save</c> zip or safetensors), through TorchSharp.PyBridge.
/// <see cref="ModelWeights"/> carries every tensor as float32; on the way out the integer buffers PyTorch
/// keeps as int64 (BatchNorm's <c>num_batches_tracked</c>) get their dtype back, so <c>load_state_dict</c>
/// sees exactly what <c>model.state_dict()</c> would hold.
/// </summary>
public static class StateDictFile
{
    private const string BatchCounter = "num_batches_tracked";

    /// <summary>True for the entries PyTorch stores as int64.</summary>
    public static bool IsInteger(string key) =>
        key == BatchCounter || key.EndsWith("." + BatchCounter, StringComparison.Ordinal);

    /// <summary>
    /// Writes <paramref name="stateDict"/> (keys as PyTorch will see them, in order) to <paramref name="path"/>,
    /// atomically: a temporary file beside it, then a rename.
    /// </summary>
    public static void Write(ModelWeights stateDict, string path, StateDictFormat format)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var scope = NewDisposeScope();
        var tensors = stateDict.Select(t => (t.Name, Tensor: ToTorch(t))).ToList();
        var tmp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                switch (format)
                {
                    case StateDictFormat.Pt:
                        // An ordered dictionary, so the pickled dict keeps state-dict order.
                        var ordered = new OrderedDictionary(tensors.Count, StringComparer.Ordinal);
                        foreach (var (name, tensor) in tensors) ordered.Add(name, tensor);
                        PyTorchPickler.PickleStateDict(stream, ordered, leaveOpen: true);
                        break;
                    case StateDictFormat.Safetensors:
                        var byName = new Dictionary<string, Tensor>(tensors.Count, StringComparer.Ordinal);
                        foreach (var (name, tensor) in tensors) byName.Add(name, tensor);
                        Safetensors.SaveStateDict(stream, byName, leaveOpen: true);
                        break;
                    default:
                        throw new ArgumentOutOfRangeException(nameof(format), format, "unknown state-dict format");
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>
    /// Every tensor of a state-dict file, as float32, keys sorted ordinally. The format is recognised from the
    /// content (a zip archive is <c>torch.save</c>'s, a JSON header is safetensors), whatever the extension.
    /// A 0-dimensional tensor may come back with shape [1].
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a state dict this reader understands; the message names it.</exception>
    public static ModelWeights Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such state-dict file", path);
        var format = Sniff(path);
        using var scope = NewDisposeScope();
        var entries = new List<(string Key, object? Value)>();
        try
        {
            if (format == StateDictFormat.Pt)
            {
                foreach (DictionaryEntry e in PyTorchUnpickler.UnpickleStateDict(path)) entries.Add((e.Key?.ToString() ?? "", e.Value));
            }
            else
            {
                foreach (var (key, value) in Safetensors.LoadStateDict(path)) entries.Add((key, value));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: cannot be read as a PyTorch state dict ({format.Extension()}): {ex.Message}", ex);
        }

        var tensors = new List<NamedTensor>(entries.Count);
        foreach (var (key, value) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (value is not Tensor tensor)
                throw new InvalidDataException(
                    $"{path}: entry '{key}' is a {value?.GetType().Name ?? "null"}, not a tensor; a state dict maps names to tensors " +
                    "(for a training checkpoint, save its model's state_dict() alone)");
            if (tensor.is_complex())
                throw new InvalidDataException($"{path}: tensor '{key}' is complex ({tensor.dtype}); a ResNet state dict holds real numbers");
            tensors.Add(StateDict.ToNamedTensor(key, tensor));
        }
        return new ModelWeights(tensors);
    }

    private static Tensor ToTorch(NamedTensor t)
    {
        var values = tensor(t.Data, t.Shape.Select(d => (long)d).ToArray(), ScalarType.Float32);
        return IsInteger(t.Name) ? values.round().to(ScalarType.Int64) : values;
    }

    private static StateDictFormat Sniff(string path)
    {
        Span<byte> head = stackalloc byte[9];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4) return StateDictFormat.Pt;
        if (read == 9 && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) < int.MaxValue) return StateDictFormat.Safetensors;
        throw new InvalidDataException(
            $"{path}: neither a torch.save zip archive nor a safetensors file (a checkpoint in PyTorch's legacy format? " +
            "re-save it from Python: torch.save(torch.load(path), new_path))");
    }
}
