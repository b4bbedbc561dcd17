namespace FedActors.Data.Tests;

public class PartitionersTests
{
    private static void AssertCoversOnce(int[][] parts, int count)
    {
        Assert.Equal(Enumerable.Range(0, count), parts.SelectMany(p => p).Order());
        foreach (var part in parts) Assert.Equal(part.Order(), part);
    }

    [Theory]
    [InlineData(1000, 3)]
    [InlineData(7, 10)]
    [InlineData(0, 2)]
    public void Iid_must_cover_every_index_once_in_near_equal_shares(int count, int clients)
    {
        var parts = Partitioners.Iid(count, clients, seed: 1);
        Assert.Equal(clients, parts.Length);
        AssertCoversOnce(parts, count);
        Assert.InRange(parts.Max(p => p.Length) - parts.Min(p => p.Length), 0, 1);
    }

    [Fact]
    public void Iid_must_be_fixed_by_its_seed()
    {
        Assert.Equal(Partitioners.Iid(100, 4, 1), Partitioners.Iid(100, 4, 1));
        Assert.NotEqual(Partitioners.Iid(100, 4, 1), Partitioners.Iid(100, 4, 2));
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.5)]
    [InlineData(100)]
    public void Dirichlet_must_cover_every_index_once(double alpha)
    {
        var labels = Enumerable.Range(0, 997).Select(i => i % 10).ToArray();
        var parts = Partitioners.Dirichlet(labels, 5, alpha, seed: 3);
        Assert.Equal(5, parts.Length);
        AssertCoversOnce(parts, labels.Length);
        Assert.Equal(parts, Partitioners.Dirichlet(labels, 5, alpha, seed: 3));
    }

    [Fact]
    public void Dirichlet_must_skew_labels_more_as_alpha_shrinks()
    {
        var labels = Enumerable.Range(0, 2000).Select(i => i % 10).ToArray();
        Assert.True(Skew(labels, 0.1) > Skew(labels, 1) + 0.1);
        Assert.True(Skew(labels, 1) > Skew(labels, 1000) + 0.1);
        // Very large alpha is close to IID: every client holds about a quarter of each class.
        Assert.InRange(Skew(labels, 1000), 0.25, 0.32);
    }

    [Fact]
    public void Dirichlet_must_reject_bad_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Partitioners.Dirichlet([0, 1], 2, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Partitioners.Dirichlet([0, 1], 0, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Partitioners.Iid(5, 0, 0));
    }

    [Fact]
    public void Dirichlet_with_a_minimum_must_redraw_until_every_client_has_it_and_say_when_it_cannot()
    {
        var labels = Enumerable.Range(0, 1000).Select(i => i % 10).ToArray();
        var skewed = Partitioners.Dirichlet(labels, 20, 0.1, seed: 5);
        Assert.Contains(skewed, p => p.Length < 10); // the plain draw leaves someone small
        var parts = Partitioners.Dirichlet(labels, 20, 0.1, seed: 5, minSize: 10);
        AssertCoversOnce(parts, labels.Length);
        Assert.All(parts, p => Assert.True(p.Length >= 10));
        Assert.Equal(parts, Partitioners.Dirichlet(labels, 20, 0.1, seed: 5, minSize: 10));
        var e = Assert.Throws<ArgumentException>(() => Partitioners.Dirichlet(labels, 20, 0.1, seed: 5, minSize: 60, maxTrials: 3));
        Assert.Contains("at least 60", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 7)]
    [InlineData(3, 4)]
    public void Shards_must_give_each_client_about_its_number_of_classes(int shardsPerClient, int clients)
    {
        var labels = Enumerable.Range(0, 1200).Select(i => (i * 7) % 12).ToArray();
        var parts = Partitioners.Shards(labels, clients, shardsPerClient, seed: 2);
        AssertCoversOnce(parts, labels.Length);
        // A shard is a run of the label-sorted images: it spans at most two classes here (shards >= classes / 2).
        Assert.All(parts, p => Assert.InRange(p.Select(i => labels[i]).Distinct().Count(), 1, 2 * shardsPerClient));
        var shardSize = labels.Length / (clients * shardsPerClient);
        Assert.All(parts, p => Assert.InRange(p.Length, shardsPerClient * shardSize, shardsPerClient * (shardSize + 1)));
        Assert.Equal(parts, Partitioners.Shards(labels, clients, shardsPerClient, seed: 2));
        Assert.NotEqual(parts, Partitioners.Shards(labels, clients, shardsPerClient, seed: 3));
    }

    [Fact]
    public void Quantity_must_skew_sizes_not_labels_and_respect_the_minimum()
    {
        var parts = Partitioners.Quantity(2000, 20, new QuantitySkew.LogNormal(1.5), seed: 4, minSize: 15);
        AssertCoversOnce(parts, 2000);
        Assert.All(parts, p => Assert.True(p.Length >= 15));
        Assert.True(parts.Max(p => p.Length) > 4 * parts.Min(p => p.Length), "log-normal sigma 1.5 should skew sizes");
        var even = Partitioners.Quantity(2000, 20, new QuantitySkew.LogNormal(0), seed: 4);
        Assert.InRange(even.Max(p => p.Length) - even.Min(p => p.Length), 0, 1);
        var power = Partitioners.Quantity(2000, 20, new QuantitySkew.PowerLaw(1.2), seed: 4, minSize: 5);
        AssertCoversOnce(power, 2000);
        Assert.True(power.Max(p => p.Length) > 3 * power.Min(p => p.Length));
        Assert.Throws<ArgumentException>(() => Partitioners.Quantity(100, 20, new QuantitySkew.LogNormal(1), seed: 4, minSize: 6));
    }

    [Fact]
    public void Natural_must_give_one_client_per_owner()
    {
        string[] owners = ["bob", "al", "bob", "cy", "al", "bob"];
        var (names, parts) = Partitioners.Natural(owners);
        Assert.Equal(["al", "bob", "cy"], names);
        Assert.Equal([[1, 4], [0, 2, 5], [3]], parts);
    }

    /// <summary>Mean over classes of the largest share one client holds (4 clients: 0.25 when even).</summary>
    private static double Skew(int[] labels, double alpha)
    {
        var parts = Partitioners.Dirichlet(labels, 4, alpha, seed: 11);
        return Enumerable.Range(0, 10).Average(c =>
        {
            var total = labels.Count(l => l == c);
            return parts.Max(p => p.Count(i => labels[i] == c)) / (double)total;
        });
    }
}
