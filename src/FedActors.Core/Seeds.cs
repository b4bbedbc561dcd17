using System.Text;

namespace FedActors.Core;

/// <summary>
/// Derives independent, reproducible seeds from (run seed, round, client, purpose), so every random
/// draw is fixed by the run seed whatever order actors are scheduled in. Stable across processes and
/// platforms (no <see cref="string.GetHashCode()"/>).
/// </summary>
public static class Seeds
{
    public static long Derive(long runSeed, string purpose, string client = "", int round = 0)
    {
        var h = Mix((ulong)runSeed ^ 0x9E3779B97F4A7C15UL);
        h = Mix(h ^ Hash(purpose));
        h = Mix(h ^ Hash(client));
        h = Mix(h ^ (ulong)(uint)round * 0xD1B54A32D192ED03UL);
        return (long)(h & 0x7FFF_FFFF_FFFF_FFFFUL);
    }

    /// <summary>A 32-bit seed for <see cref="Random"/>.</summary>
    public static int Derive32(long runSeed, string purpose, string client = "", int round = 0) =>
        (int)(Derive(runSeed, purpose, client, round) & 0x7FFF_FFFF);

    /// <summary>SplitMix64 finaliser.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>FNV-1a over UTF-8.</summary>
    private static ulong Hash(string s)
    {
        var h = 0xCBF29CE484222325UL;
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            h ^= b;
            h *= 0x100000001B3UL;
        }
        return h;
    }
}
