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
