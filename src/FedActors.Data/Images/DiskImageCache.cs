using System.Security.Cryptography;

namespace FedActors.Data.Images;

/// <summary>
/// Decoded images on disk, one raw file of 3 x R x R bytes per (content, resolution). Keyed by the SHA-256
/// of the source file's bytes, so renaming or copying a dataset keeps its cache and editing a file misses it.
/// </summary>
internal sealed class DiskImageCache
{
    // Bump when decoding changes what it produces (resampler, crop rule), so old tiles are not reused.
    private const string Layout = "v1";

    private readonly string _root;

    public DiskImageCache(string directory)
    {
        _root = Path.Combine(Path.GetFullPath(directory), Layout);
    }

    public static string Key(ReadOnlySpan<byte> fileBytes) => Convert.ToHexStringLower(SHA256.HashData(fileBytes));

    public byte[]? TryRead(string key, int resolution)
    {
        var path = PathFor(key, resolution);
        try
        {
            var bytes = File.ReadAllBytes(path);
            // A short file is a write that never finished; decode again and overwrite it.
            return bytes.Length == 3 * resolution * resolution ? bytes : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void Write(string key, int resolution, byte[] pixels)
    {
        var path = PathFor(key, resolution);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            // Write aside and rename, so a reader never sees half a tile and parallel writers do not collide.
            var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(temp, pixels);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Loaders.DatasetException(path, $"cannot write the decoded-image cache: {e.Message}", e);
        }
    }

    private string PathFor(string key, int resolution) => Path.Combine(_root, $"r{resolution}", key[..2], key + ".chw");
}
