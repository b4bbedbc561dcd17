using FedActors.Data.Devices;

namespace FedActors.Data.Tests.Devices;

public sealed class DeviceTests
{
    private const string DeviceTrace = """
        { "7": { "computation": 40.0, "communication": 8000 },
          "3": { "computation": 10.0, "communication": 800 },
          "5": { "computation": 20.0, "communication": 80000 } }
        """;

    [Fact]
    public void Device_must_cost_its_examples_and_both_transfers()
    {
        var device = new DeviceProfile(Speed: 2, BytesPerSecond: 1e6);
        Assert.Equal(300 * 0.01 / 2, device.ComputeSeconds(300, 0.01), 12);
        Assert.Equal(4.0, device.TransferSeconds(2_000_000), 12);
        Assert.Equal(300 * 0.04, (device with { SecondsPerExample = 0.04 }).ComputeSeconds(300, 0.01), 12); // a trace's own cost wins
        Assert.Equal(12.5e6, DeviceProfile.MbitPerSecond(100));
    }

    [Fact]
    public void Tiers_must_share_the_clients_by_their_shares_in_a_seeded_order()
    {
        DeviceTier[] tiers = [new(0.5, 1, 1e6), new(0.3, 2, 5e6), new(0.2, 4, 2e7)];
        var devices = DeviceDraws.Tiers(10, tiers, seed: 1);
        Assert.Equal([5, 3, 2], tiers.Select(t => devices.Count(d => d.Speed == t.Speed)));
        Assert.Equal(devices, DeviceDraws.Tiers(10, tiers, seed: 1));
        Assert.NotEqual(devices, DeviceDraws.Tiers(10, tiers, seed: 2));
        Assert.Equal([4, 3, 2], tiers.Select(t => DeviceDraws.Tiers(9, tiers, seed: 1).Count(d => d.Speed == t.Speed)));
    }

    [Fact]
    public void LogNormal_must_spread_around_its_medians()
    {
        var devices = DeviceDraws.LogNormal(2000, 2, 1e6, 0.5, seed: 3);
        var speeds = devices.Select(d => d.Speed).Order().ToArray();
        Assert.InRange(speeds[1000], 1.9, 2.1);
        Assert.InRange(Math.Log(speeds[1680] / 2), 0.4, 0.6); // ~84th percentile at one sigma
        Assert.All(DeviceDraws.LogNormal(5, 2, 1e6, 0, seed: 3), d => Assert.Equal(2, d.Speed));
    }

    [Fact]
    public void Device_trace_must_read_fedscale_units_and_map_entries_onto_clients()
    {
        var trace = FedScaleDeviceTrace.Parse(DeviceTrace, "devices.json");
        Assert.Equal(["3", "5", "7"], trace.Entries.Select(e => e.Id));
        Assert.Equal(0.010, trace.Entries[0].Profile.SecondsPerExample!.Value, 12); // 10 ms per example
        Assert.Equal(100_000, trace.Entries[0].Profile.BytesPerSecond, 6);          // 800 kbit/s
        var three = DeviceDraws.FromTrace(3, trace, seed: 9);
        Assert.Equal(3, three.Distinct().Count()); // without replacement when the trace is large enough
        Assert.Equal(10, DeviceDraws.FromTrace(10, trace, seed: 9).Length);
        Assert.Equal(three, DeviceDraws.FromTrace(3, trace, seed: 9));
    }

    [Theory]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("{ \"a\": { \"computation\": 1 } }", "client 'a': 'communication' must be a finite number")]
    [InlineData("{ \"a\": { \"computation\": -1, \"communication\": 5 } }", "must be positive")]
    [InlineData("{ \"a\": 3 }", "client 'a': its entry must be an object")]
    [InlineData("{}", "lists no client")]
    [InlineData("{ \"a\": ", "not JSON")]
    public void Device_trace_must_refuse_a_bad_file_naming_it_and_the_entry(string json, string why)
    {
        var e = Assert.Throws<FormatException>(() => FedScaleDeviceTrace.Parse(json, "devices.json"));
        Assert.StartsWith("devices.json: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Availability_trace_must_say_who_is_active_when_repeating_after_finish_time()
    {
        var trace = FedScaleAvailabilityTrace.Parse(
            """{ "1": { "active": [0, 100], "inactive": [30, 150], "finish_time": 200 }, "0": { "active": [50], "inactive": [60], "finish_time": 100 } }""",
            "behave.json");
        var one = trace.Entries.Single(e => e.Id == "1").Behaviour;
        Assert.Equal([true, true, false, false, true, false, true, true], new double[] { 0, 29.9, 30, 99, 100, 150, 200, 329 }.Select(one.IsActive));
        var zero = trace.Entries[0].Behaviour;
        Assert.True(zero.IsActive(155));
        Assert.False(zero.IsActive(160));
        var e = Assert.Throws<FormatException>(() => FedScaleAvailabilityTrace.Parse(
            """{ "9": { "active": [0, 20], "inactive": [30, 40], "finish_time": 100 } }""", "behave.json"));
        Assert.Contains("client '9': interval 1", e.Message, StringComparison.Ordinal);
    }
}
