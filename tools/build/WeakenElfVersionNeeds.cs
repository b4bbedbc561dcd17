// MSBuild inline task (compiled by RoslynCodeTaskFactory from Directory.Build.targets).
// Marks selected version needs of an ELF64 little-endian shared library as weak (VER_FLG_WEAK), so the
// dynamic loader accepts the library on a host whose libstdc++ lacks that version. Files that are
// absent, already weak, or not needing the version are left untouched; nothing happens when the host's
// libstdc++ already defines every listed version.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class FedActorsWeakenElfVersionNeeds : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string Versions { get; set; } = "";

    private static readonly string[] HostLibStdCxx =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
    };

    public override bool Execute()
    {
        var wanted = Versions.Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries)
            .Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
        var present = Files.Select(f => f.ItemSpec).Where(File.Exists).ToList();
        if (present.Count == 0) return true;
        var missing = new HashSet<string>(wanted.Where(v => !HostProvides(v)), StringComparer.Ordinal);
        if (missing.Count == 0) return true;

        foreach (var path in present)
        {
            try
            {
                var changed = Weaken(path, missing);
                foreach (var name in changed)
                    Log.LogMessage(MessageImportance.High,
                        "FedActors: marked version need {0} weak in {1} (host libstdc++ lacks it)", name, path);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException)
            {
                Log.LogError("FedActors: could not patch ELF version needs of {0}: {1}", path, ex.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    private static bool HostProvides(string version)
    {
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        foreach (var candidate in HostLibStdCxx)
        {
            if (!File.Exists(candidate)) continue;
            var bytes = File.ReadAllBytes(candidate);
            if (IndexOf(bytes, needle) >= 0) return true;
        }
        return false;
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    private static List<string> Weaken(string path, HashSet<string> names)
    {
        var elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only ELF64 little-endian is supported");

        var shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        var shentsize = BitConverter.ToUInt16(elf, 0x3A);
        var shnum = BitConverter.ToUInt16(elf, 0x3C);
        var changed = new List<string>();
        for (var s = 0; s < shnum; s++)
        {
            var sh = checked((int)(shoff + (long)s * shentsize));
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
            var verneedOff = checked((int)BitConverter.ToUInt64(elf, sh + 0x18));
            var strSection = BitConverter.ToUInt32(elf, sh + 0x28);
            var count = BitConverter.ToUInt32(elf, sh + 0x2C);
            var strSh = checked((int)(shoff + (long)strSection * shentsize));
            var strOff = checked((int)BitConverter.ToUInt64(elf, strSh + 0x18));

            var need = verneedOff;
            for (var n = 0; n < count; n++)
            {
                var auxCount = BitConverter.ToUInt16(elf, need + 2);
                var aux = need + checked((int)BitConverter.ToUInt32(elf, need + 8));
                for (var a = 0; a < auxCount; a++)
                {
                    var flags = BitConverter.ToUInt16(elf, aux + 4);
                    var name = ReadCString(elf, strOff + checked((int)BitConverter.ToUInt32(elf, aux + 8)));
                    if (names.Contains(name) && (flags & VerFlgWeak) == 0)
                    {
                        var newFlags = (ushort)(flags | VerFlgWeak);
                        elf[aux + 4] = (byte)(newFlags & 0xff);
                        elf[aux + 5] = (byte)(newFlags >> 8);
                        changed.Add(name);
                    }
                    var next = BitConverter.ToUInt32(elf, aux + 12);
                    if (next == 0) break;
                    aux += checked((int)next);
                }
                var nextNeed = BitConverter.ToUInt32(elf, need + 12);
                if (nextNeed == 0) break;
                need += checked((int)nextNeed);
            }
        }
        if (changed.Count > 0)
        {
            var tmp = path + ".fedactors-tmp";
            File.WriteAllBytes(tmp, elf);
            File.Copy(tmp, path, true);
            File.Delete(tmp);
        }
        return changed;
    }

    private static string ReadCString(byte[] bytes, int offset)
    {
        var end = offset;
        while (end < bytes.Length && bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, offset, end - offset);
    }
}
