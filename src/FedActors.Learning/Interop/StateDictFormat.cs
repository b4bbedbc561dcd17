namespace FedActors.Learning.Interop;

/// <summary>The files PyTorch reads a state dict from.</summary>
public enum StateDictFormat
{
    /// <summary><c>torch.save</c>'s zip format (PyTorch ≥ 1.6), read by <c>torch.load(path)</c>.</summary>
    Pt,

    /// <summary>Hugging Face safetensors, read by <c>safetensors.torch.load_file(path)</c>.</summary>
    Safetensors,
}

public static class StateDictFormats
{
    /// <summary>Parses <c>pt | safetensors</c> (case-insensitive).</summary>
    public static StateDictFormat Parse(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "pt" or "pth" => StateDictFormat.Pt,
        "safetensors" => StateDictFormat.Safetensors,
        _ => throw new ArgumentException($"unknown state-dict format '{name}': expected pt or safetensors"),
    };

    /// <summary>The file extension, without the dot.</summary>
    public static string Extension(this StateDictFormat format) => format switch
    {
        StateDictFormat.Pt => "pt",
        StateDictFormat.Safetensors => "safetensors",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown state-dict format"),
    };
}
