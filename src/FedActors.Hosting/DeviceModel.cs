using FedActors.Core;
using FedActors.Data.Devices;
using FedActors.Engine;
using FedActors.Learning.Training;

namespace FedActors.Hosting;

/// <summary>
/// The simulated devices of a run's clients (<c>fedactors.simulation</c>, each group's <c>device</c> and
/// <c>availability-trace</c>): a fit costs its examples x local epochs x views (SimCLR: 2) x the reference cost per
/// example / the device's speed (or the device trace's own cost), plus the model both ways over its bandwidth.
/// </summary>
public sealed class DeviceModel : IDeviceModel
{
    private readonly IReadOnlyDictionary<string, DeviceProfile> _devices;
    private readonly IReadOnlyDictionary<string, FedScaleAvailabilityTrace.Behaviour> _behaviour;
    private readonly Func<string, string, long> _examples;
    private readonly LearningSettings _learning;
    private readonly double _secondsPerExample;

    /// <param name="devices">Each client's device; a client not listed has <see cref="DeviceProfile.Reference"/>.</param>
    /// <param name="behaviour">Each client's availability pattern; a client not listed is always active.</param>
    /// <param name="examples">How many examples a client's fit of a phase trains on.</param>
    public DeviceModel(
        IReadOnlyDictionary<string, DeviceProfile> devices,
        IReadOnlyDictionary<string, FedScaleAvailabilityTrace.Behaviour> behaviour,
        Func<string, string, long> examples,
        LearningSettings learning,
        double secondsPerExample)
    {
        _devices = devices;
        _behaviour = behaviour;
        _examples = examples;
        _learning = learning;
        _secondsPerExample = secondsPerExample;
    }

    public DeviceProfile DeviceOf(string clientId) => _devices.GetValueOrDefault(clientId, DeviceProfile.Reference);

    public double FitSeconds(string clientId, string phase, long modelBytes)
    {
        var device = DeviceOf(clientId);
        var views = phase == Phases.SimClr ? 2 : 1;
        var work = (double)_examples(clientId, phase) * _learning.For(phase).LocalEpochs * views;
        return device.ComputeSeconds(work, _secondsPerExample) + device.TransferSeconds(modelBytes);
    }

    public bool IsActive(string clientId, double simulatedSeconds) =>
        !_behaviour.TryGetValue(clientId, out var behaviour) || behaviour.IsActive(simulatedSeconds);

    /// <summary>The devices and availability patterns of <paramref name="settings"/>' groups, for the clients of <paramref name="layouts"/>.</summary>
    public static DeviceModel For(RunSettings settings, IReadOnlyList<GroupLayout> layouts, Func<string, string, long> examples)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(layouts);
        var devices = new Dictionary<string, DeviceProfile>(StringComparer.Ordinal);
        var behaviour = new Dictionary<string, FedScaleAvailabilityTrace.Behaviour>(StringComparer.Ordinal);
        foreach (var layout in layouts)
        {
            var group = settings.Data.Groups.Single(g => g.Group == layout.Group);
            var ids = layout.ClientIds;
            var seed = Seeds.Derive(settings.Seed, "devices", group.Group);
            var d = group.Device;
            var drawn = d.Profile switch
            {
                "lognormal" => DeviceDraws.LogNormal(ids.Count, d.Speed, DeviceProfile.MbitPerSecond(d.BandwidthMbps), d.Sigma, seed),
                "tiers" => DeviceDraws.Tiers(ids.Count, d.Tiers, seed),
                "trace" => DeviceDraws.FromTrace(ids.Count, Read(() => FedScaleDeviceTrace.Load(d.Trace), group, "device.trace"), seed),
                _ => DeviceDraws.Fixed(ids.Count, d.Speed, DeviceProfile.MbitPerSecond(d.BandwidthMbps)),
            };
            for (var k = 0; k < ids.Count; k++) devices[ids[k]] = drawn[k];
            if (group.AvailabilityTrace.Length > 0)
            {
                var trace = Read(() => FedScaleAvailabilityTrace.Load(group.AvailabilityTrace), group, "availability-trace");
                var picks = DeviceDraws.Pick(ids.Count, trace.Entries.Count, Seeds.Derive(settings.Seed, "availability", group.Group));
                for (var k = 0; k < ids.Count; k++) behaviour[ids[k]] = trace.Entries[picks[k]].Behaviour;
            }
        }
        return new DeviceModel(devices, behaviour, examples, settings.Learning, settings.Simulation.SecondsPerExample);
    }

    private static T Read<T>(Func<T> read, GroupSpec group, string key)
    {
        try
        {
            return read();
        }
        catch (FormatException e)
        {
            throw new Configuration.ConfigException($"fedactors.data.groups '{group.Group}' {key}: {e.Message}", e);
        }
    }
}
