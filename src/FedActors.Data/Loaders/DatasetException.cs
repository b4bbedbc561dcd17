namespace FedActors.Data.Loaders;

/// <summary>
/// A dataset file or folder that cannot be used: missing, malformed, or a bad image under
/// <see cref="OnBadFile.Fail"/>. <see cref="Path"/> names it; the message starts with it.
/// </summary>
public sealed class DatasetException : Exception
{
    public DatasetException(string path, string reason, Exception? innerException = null)
        : base($"{path}: {reason}", innerException)
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The file or folder at fault.</summary>
    public string Path { get; }

    /// <summary>What is wrong with it, without the path.</summary>
    public string Reason { get; }
}
