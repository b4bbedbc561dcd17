using FedActors.Core;

namespace FedActors.Core.Tests;

public class ClientSamplingTests
{
    private static readonly string[] Ten = [.. Enumerable.Range(0, 10).Select(i => $"c{i}")];

    [Theory]
    [InlineData(10, 1.0, 1, 10)]
    [InlineData(10, 0.3, 1, 3)]
    [InlineData(10, 0.25, 1, 3)]
    [InlineData(10, 0.01, 2, 2)]
    [InlineData(3, 0.5, 5, 3)]
    [InlineData(0, 0.5, 1, 0)]
    public void ClientSampling_must_size_a_sample_by_fraction_and_minimum(int available, double fraction, int min, int expected)
    {
        Assert.Equal(expected, ClientSampling.SampleSize(available, fraction, min));
    }

    [Theory]
    [InlineData(0.0, 1)]
    [InlineData(1.5, 1)]
    [InlineData(double.NaN, 1)]
    [InlineData(0.5, 0)]
    public void ClientSampling_must_refuse_impossible_settings(double fraction, int min)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ClientSampling.SampleSize(10, fraction, min));
    }

    [Fact]
    public void ClientSampling_must_be_fixed_by_the_seed_whatever_the_order_of_ids()
    {
        var a = ClientSampling.Sample(Ten, 0.4, 1, seed: 42);
        var b = ClientSampling.Sample(Ten.Reverse(), 0.4, 1, seed: 42);

        Assert.Equal(a, b);
        Assert.Equal(4, a.Count);
        Assert.Equal(a.Order(StringComparer.Ordinal), a);
        Assert.Equal(4, a.Distinct().Count());
        Assert.All(a, id => Assert.Contains(id, Ten));
    }

    [Fact]
    public void ClientSampling_must_draw_different_samples_for_different_seeds_and_cover_every_client()
    {
        var samples = Enumerable.Range(0, 200)
            .Select(s => string.Join(",", ClientSampling.Sample(Ten, 0.3, 1, Seeds.Derive(7, "sample", "", s))))
            .ToList();

        Assert.True(samples.Distinct().Count() > 50, "samples barely vary with the seed");
        var picks = samples.SelectMany(s => s.Split(',')).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, picks.Count);
        Assert.All(picks.Values, count => Assert.InRange(count, 30, 90)); // 60 expected each
    }

    [Fact]
    public void ClientSampling_must_take_everyone_when_the_sample_is_the_whole_set()
    {
        Assert.Equal(["a", "b", "c"], ClientSampling.Sample(["c", "a", "b"], 1.0, 1, 3));
        Assert.Empty(ClientSampling.Sample([], 0.5, 1, 3));
    }
}
