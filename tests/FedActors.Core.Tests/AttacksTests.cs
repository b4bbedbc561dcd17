namespace FedActors.Core.Tests;

/// <summary>The Byzantine updates against values worked out by hand.</summary>
public sealed class AttacksTests
{
    private static readonly ModelWeights Global = new([
        new NamedTensor("w", [3], [1f, 2f, 3f]),
        new NamedTensor("bn.num_batches_tracked", [], [5f]),
    ]);

    private static readonly ModelWeights Honest = new([
        new NamedTensor("w", [3], [2f, 2f, 1f]),
        new NamedTensor("bn.num_batches_tracked", [], [7f]),
    ]);

    [Fact]
    public void SignFlip_must_push_the_change_the_other_way_factor_times_as_far()
    {
        var sent = Attacks.SignFlip(Global, Honest, 2);
        Assert.Equal([-1f, 2f, 7f], sent["w"].Data); // 1 - 2*(2-1), 2 - 0, 3 - 2*(1-3)
        Assert.Equal([7f], sent["bn.num_batches_tracked"].Data); // counters stay as trained
    }

    [Fact]
    public void Scale_must_multiply_the_change()
    {
        Assert.Equal([11f, 2f, -17f], Attacks.Scale(Global, Honest, 10)["w"].Data);
    }

    [Fact]
    public void Constant_and_noise_must_replace_or_perturb_every_value()
    {
        Assert.Equal([100f, 100f, 100f], Attacks.Constant(Global, Honest, 100)["w"].Data);
        var noisy = Attacks.Noise(Global, Honest, 0.5, seed: 3)["w"].Data;
        Assert.Equal(noisy, Attacks.Noise(Global, Honest, 0.5, seed: 3)["w"].Data);
        Assert.NotEqual(noisy, Attacks.Noise(Global, Honest, 0.5, seed: 4)["w"].Data);
        Assert.All(noisy.Zip(Honest["w"].Data), p => Assert.InRange(p.First - p.Second, -3f, 3f));
        Assert.NotEqual(Honest["w"].Data, noisy);
    }

    [Fact]
    public void Colluders_must_send_the_same_update_at_the_chosen_distance_whatever_they_trained()
    {
        var other = new ModelWeights([new NamedTensor("w", [3], [9f, -9f, 0f]), new NamedTensor("bn.num_batches_tracked", [], [7f])]);
        var first = Attacks.Collude(Global, Honest, 5, sharedSeed: 11);
        var second = Attacks.Collude(Global, other, 5, sharedSeed: 11);
        Assert.Equal(first["w"].Data, second["w"].Data);
        var distance = Math.Sqrt(first["w"].Data.Zip(Global["w"].Data).Sum(p => (double)(p.First - p.Second) * (p.First - p.Second)));
        Assert.Equal(5, distance, 4);
        Assert.NotEqual(first["w"].Data, Attacks.Collude(Global, Honest, 5, sharedSeed: 12)["w"].Data);
    }
}
