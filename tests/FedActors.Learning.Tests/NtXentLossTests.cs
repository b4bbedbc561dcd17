using FedActors.Learning.Training;
using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

[Collection("torch")]
public sealed class NtXentLossTests
{
    [Fact]
    public void NtXent_must_match_a_hand_computed_value()
    {
        double[][] view1 = [[1, 0, 0], [0, 2, 1]];
        double[][] view2 = [[1, 1, 0], [0.5, -1, 2]];
        const double tau = 0.5;

        // 2N views; view i's partner is i±N; the denominator sums over every other view.
        var all = view1.Concat(view2).Select(Unit).ToArray();
        var n = view1.Length;
        double expected = 0;
        for (var i = 0; i < 2 * n; i++)
        {
            var partner = i < n ? i + n : i - n;
            double denominator = 0;
            for (var k = 0; k < 2 * n; k++)
                if (k != i) denominator += Math.Exp(Dot(all[i], all[k]) / tau);
            expected += -Math.Log(Math.Exp(Dot(all[i], all[partner]) / tau) / denominator);
        }
        expected /= 2 * n;

        using var z1 = tensor(view1.SelectMany(r => r).Select(v => (float)v).ToArray(), [2, 3]);
        using var z2 = tensor(view2.SelectMany(r => r).Select(v => (float)v).ToArray(), [2, 3]);
        using var loss = NtXentLoss.Compute(z1, z2, tau);

        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void NtXent_must_be_lower_when_views_agree()
    {
        using var generator = new Generator(1);
        using var a = randn(8, 16, generator: generator);
        using var noise = randn(8, 16, generator: generator);
        using var agreeing = NtXentLoss.Compute(a, a + 0.01 * noise, 0.3);
        using var random = NtXentLoss.Compute(a, noise, 0.3);
        Assert.True(agreeing.item<float>() < random.item<float>());
    }

    [Fact]
    public void NtXent_must_reject_a_non_positive_temperature()
    {
        using var z = ones(2, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => NtXentLoss.Compute(z, z, 0));
    }

    private static double[] Unit(double[] v)
    {
        var norm = Math.Sqrt(Dot(v, v));
        return v.Select(x => x / norm).ToArray();
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();
}
