namespace FedActors.Data.Devices;

/// <summary>
/// The simulated device of one client: how fast it computes and how fast it moves a model. The reference device has
/// <see cref="Speed"/> 1; a FedScale device trace gives an absolute compute cost per example instead.
/// </summary>
/// <param name="Speed">Compute speed relative to the reference device (2 = a fit takes half the time).</param>
/// <param name="BytesPerSecond">Network bandwidth, each way.</param>
/// <param name="SecondsPerExample">When set (a device trace), the device's own compute cost per example and epoch, overriding the reference cost / speed.</param>
public sealed record DeviceProfile(double Speed, double BytesPerSecond, double? SecondsPerExample = null)
{
    /// <summary>The reference device at 100 Mbit/s.</summary>
    public static DeviceProfile Reference { get; } = new(1, MbitPerSecond(100));

    public static double MbitPerSecond(double mbps) => mbps * 1e6 / 8;

    /// <summary>Simulated seconds of computing <paramref name="examples"/> example-epochs with the reference cost per example.</summary>
    public double ComputeSeconds(double examples, double referenceSecondsPerExample) =>
        examples * (SecondsPerExample ?? referenceSecondsPerExample / Speed);

    /// <summary>Simulated seconds of receiving and sending <paramref name="bytes"/> (both ways).</summary>
    public double TransferSeconds(long bytes) => 2.0 * bytes / BytesPerSecond;
}

/// <summary>One tier of devices: a share of a group's clients with this speed and bandwidth.</summary>
public sealed record DeviceTier(double Share, double Speed, double BytesPerSecond);
