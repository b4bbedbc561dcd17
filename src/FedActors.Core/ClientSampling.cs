namespace FedActors.Core;

/// <summary>
/// Which clients a round asks to train: a seeded, uniform sample without replacement of the available
/// clients. Depends only on the set of ids (not their order) and the seed, so a round's sample is fixed
/// by the run seed whatever order clients were listed or scheduled in.
/// </summary>
public static class ClientSampling
{
    /// <summary>
    /// How many of <paramref name="available"/> clients a round samples: <c>ceil(fraction * available)</c>,
    /// at least <paramref name="minClients"/>, at most every available client.
    /// </summary>
    public static int SampleSize(int available, double fraction, int minClients)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(available);
        Check(fraction, minClients);
        // The epsilon keeps 0.3 * 10 = 3.0000000000000004 from rounding up to 4.
        var wanted = Math.Max(minClients, (int)Math.Ceiling(fraction * available - 1e-9));
        return Math.Min(wanted, available);
    }

    /// <summary>
    /// A sample of <see cref="SampleSize"/> distinct ids drawn from <paramref name="available"/> with
    /// <paramref name="seed"/> (derive it with <see cref="Seeds.Derive"/>), in ordinal order.
    /// </summary>
    public static IReadOnlyList<string> Sample(IEnumerable<string> available, double fraction, int minClients, long seed)
    {
        ArgumentNullException.ThrowIfNull(available);
        var ids = available.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var size = SampleSize(ids.Length, fraction, minClients);
        if (size == ids.Length) return ids;
        // Partial Fisher-Yates; each pick draws from its own derived seed, so no RNG algorithm is baked in.
        for (var i = 0; i < size; i++)
        {
            var j = i + (int)(Seeds.Derive(seed, "pick", "", i) % (ids.Length - i));
            (ids[i], ids[j]) = (ids[j], ids[i]);
        }
        return ids.Take(size).Order(StringComparer.Ordinal).ToArray();
    }

    private static void Check(double fraction, int minClients)
    {
        if (!(fraction > 0 && fraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the sampled fraction must be in (0, 1]");
        ArgumentOutOfRangeException.ThrowIfLessThan(minClients, 1);
    }
}
