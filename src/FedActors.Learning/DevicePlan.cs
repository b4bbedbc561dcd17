using FedActors.Core;
using static TorchSharp.torch;

namespace FedActors.Learning;

/// <summary>
/// The devices a process trains on and which trainer uses which: trainer slot k (<see cref="TrainerSlot"/>) uses
/// device k mod n. With <c>trainer-slots = 4</c> and two GPUs, slots 0 and 2 share <c>cuda:0</c>, slots 1 and 3
/// share <c>cuda:1</c>: several trainers per GPU, each GPU used. Work outside a trainer thread uses the first device.
/// </summary>
public sealed class DevicePlan
{
    private DevicePlan(IReadOnlyList<Device> devices) => Devices = devices;

    public IReadOnlyList<Device> Devices { get; }

    /// <summary>The device of the calling trainer thread.</summary>
    public Device Current => For(TrainerSlot.Current);

    /// <summary>The device of trainer slot <paramref name="slot"/>; the first one for a negative slot.</summary>
    public Device For(int slot) => Devices[slot < 0 ? 0 : slot % Devices.Count];

    /// <summary>One device for every slot.</summary>
    public static DevicePlan Of(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new DevicePlan([device]);
    }

    /// <summary>
    /// A comma-separated list of <see cref="DeviceSelector.Resolve"/> names (<c>"cuda:0, cuda:1"</c>), or one name.
    /// Each must be present; a GPU named twice is allowed (it gets twice the slots).
    /// </summary>
    public static DevicePlan Resolve(string names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var parts = names.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Any(p => p.Length == 0)) throw new ArgumentException($"device list '{names}' has an empty entry");
        return new DevicePlan([.. parts.Select(DeviceSelector.Resolve)]);
    }

    public override string ToString() => string.Join(", ", Devices.Select(d => d.ToString()));
}
