using FedActors.Core;

namespace FedActors.Data.Devices;

/// <summary>
/// Assigns simulated devices to a group's clients, seeded: every client gets one draw, fixed by the seed and the
/// client's place in the group, so a run is reproducible and adding a group does not move another's devices.
/// </summary>
public static class DeviceDraws
{
    /// <summary>Every client the same device.</summary>
    public static DeviceProfile[] Fixed(int clients, double speed, double bytesPerSecond)
    {
        Check(speed, bytesPerSecond);
        return [.. Enumerable.Repeat(new DeviceProfile(speed, bytesPerSecond), clients)];
    }

    /// <summary>Speed and bandwidth each the given median times exp(N(0, sigma²)), drawn independently.</summary>
    public static DeviceProfile[] LogNormal(int clients, double medianSpeed, double medianBytesPerSecond, double sigma, long seed)
    {
        Check(medianSpeed, medianBytesPerSecond);
        if (!(sigma >= 0) || double.IsInfinity(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "must be 0 or more");
        var rng = new Random(Seeds.Derive32(seed, "devices-lognormal"));
        return [.. Enumerable.Range(0, clients).Select(_ => new DeviceProfile(
            medianSpeed * Math.Exp(sigma * Partitioners.Normal(rng)),
            medianBytesPerSecond * Math.Exp(sigma * Partitioners.Normal(rng))))];
    }

    /// <summary>
    /// Tiers by share: round(share x clients) clients per tier (largest remainders take the rest), assigned to clients in a
    /// seeded order.
    /// </summary>
    public static DeviceProfile[] Tiers(int clients, IReadOnlyList<DeviceTier> tiers, long seed)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        if (tiers.Count == 0) throw new ArgumentException("at least one tier is needed", nameof(tiers));
        foreach (var t in tiers)
        {
            Check(t.Speed, t.BytesPerSecond);
            if (!(t.Share > 0) || double.IsInfinity(t.Share)) throw new ArgumentException($"a tier's share must be positive, got {t.Share}", nameof(tiers));
        }
        var total = tiers.Sum(t => t.Share);
        var exact = tiers.Select(t => t.Share / total * clients).ToArray();
        var counts = exact.Select(e => (int)Math.Floor(e)).ToArray();
        foreach (var k in Enumerable.Range(0, tiers.Count).OrderByDescending(k => exact[k] - counts[k]).ThenBy(k => k).Take(clients - counts.Sum())) counts[k]++;
        var devices = tiers.SelectMany((t, k) => Enumerable.Repeat(new DeviceProfile(t.Speed, t.BytesPerSecond), counts[k])).ToArray();
        var order = Enumerable.Range(0, clients).ToArray();
        Splits.Shuffle(order, new Random(Seeds.Derive32(seed, "devices-tiers")));
        return [.. order.Select(i => devices[i])];
    }

    /// <summary>
    /// Entries of a FedScale device trace mapped onto clients: a seeded sample without replacement when the trace has
    /// at least as many entries as there are clients, with replacement otherwise.
    /// </summary>
    public static DeviceProfile[] FromTrace(int clients, FedScaleDeviceTrace trace, long seed)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var picks = Pick(clients, trace.Entries.Count, Seeds.Derive(seed, "devices-trace"));
        return [.. picks.Select(i => trace.Entries[i].Profile)];
    }

    /// <summary>Which of <paramref name="entries"/> trace entries each of <paramref name="clients"/> clients gets (seeded).</summary>
    public static int[] Pick(int clients, int entries, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(clients);
        ArgumentOutOfRangeException.ThrowIfLessThan(entries, 1);
        var rng = new Random(Seeds.Derive32(seed, "trace-pick"));
        if (entries >= clients)
        {
            var order = Enumerable.Range(0, entries).ToArray();
            Splits.Shuffle(order, rng);
            return order[..clients];
        }
        return [.. Enumerable.Range(0, clients).Select(_ => rng.Next(entries))];
    }

    private static void Check(double speed, double bytesPerSecond)
    {
        if (!(speed > 0) || double.IsInfinity(speed)) throw new ArgumentOutOfRangeException(nameof(speed), speed, "a device's speed must be positive");
        if (!(bytesPerSecond > 0) || double.IsInfinity(bytesPerSecond))
            throw new ArgumentOutOfRangeException(nameof(bytesPerSecond), bytesPerSecond, "a device's bandwidth must be positive");
    }
}
