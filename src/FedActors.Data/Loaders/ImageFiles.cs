namespace FedActors.Data.Loaders;

/// <summary>How loaders list the files in a folder: deterministic order, hidden entries (dot-files) left out.</summary>
internal static class ImageFiles
{
    private static readonly EnumerationOptions Recursive = new()
    {
        RecurseSubdirectories = true,
        AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
    };

    private static readonly EnumerationOptions TopLevel = new()
    {
        RecurseSubdirectories = false,
        AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
    };

    /// <summary>Every file below <paramref name="folder"/>, sorted by path (ordinal).</summary>
    public static string[] Under(string folder)
    {
        var files = Directory.GetFiles(folder, "*", Recursive);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>Files directly in <paramref name="folder"/>, sorted.</summary>
    public static string[] DirectlyIn(string folder)
    {
        var files = Directory.GetFiles(folder, "*", TopLevel);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>Subfolders directly in <paramref name="folder"/>, sorted by name.</summary>
    public static string[] FoldersIn(string folder)
    {
        var folders = Directory.GetDirectories(folder, "*", TopLevel);
        Array.Sort(folders, StringComparer.Ordinal);
        return folders;
    }

    public static void RequireFolder(string folder)
    {
        if (!Directory.Exists(folder)) throw new DatasetException(folder, "folder not found");
    }
}
