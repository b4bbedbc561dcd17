using FedActors.Learning.Augmentation;
using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

[Collection("torch")]
public sealed class AugmentationTests
{
    /// <summary>Eight copies of one random uint8 image.</summary>
    private static Tensor Copies(int count = 8, int size = 16)
    {
        using var generator = new Generator(7);
        using var one = randint(0, 256, [1, 3, size, size], dtype: ScalarType.Byte, generator: generator);
        return one.expand(count, 3, size, size).contiguous();
    }

    [Fact]
    public void Augment_must_draw_its_own_parameters_for_each_image()
    {
        using var scope = NewDisposeScope();
        var images = Copies();
        using var generator = new Generator(11);
        var views = ImageAugmentation.Augment(images, AugmentSettings.SimClr, generator);
        for (var i = 0; i < 8; i++)
        {
            for (var j = i + 1; j < 8; j++)
                Assert.True(views[i].sub(views[j]).abs().max().item<float>() > 1e-3, $"images {i} and {j} were augmented identically");
        }
    }

    [Fact]
    public void Augment_must_stay_in_the_unit_range_with_every_option_on()
    {
        using var scope = NewDisposeScope();
        var settings = AugmentSettings.SimClr with
        {
            RotationDegrees = 180,
            BlurProbability = 0.5,
            ChannelPermutationProbability = 0.5,
            ColorJitterStrength = 1.0,
        };
        using var generator = new Generator(3);
        var views = ImageAugmentation.Augment(Copies(16), settings, generator);
        Assert.Equal([16L, 3, 16, 16], views.shape);
        Assert.Equal(ScalarType.Float32, views.dtype);
        Assert.True(views.min().item<float>() >= 0f);
        Assert.True(views.max().item<float>() <= 1f);
        Assert.False(views.isnan().any().item<bool>());
    }

    [Fact]
    public void Augment_must_be_reproducible_from_the_generator_seed()
    {
        using var scope = NewDisposeScope();
        var images = Copies();
        var settings = AugmentSettings.SimClr with { BlurProbability = 0.5, ChannelPermutationProbability = 0.5 };
        using var g1 = new Generator(5);
        using var g2 = new Generator(5);
        using var g3 = new Generator(6);
        var a = ImageAugmentation.Augment(images, settings, g1);
        var b = ImageAugmentation.Augment(images, settings, g2);
        var c = ImageAugmentation.Augment(images, settings, g3);
        Assert.True(a.eq(b).all().item<bool>());
        Assert.False(c.eq(a).all().item<bool>());
    }

    [Fact]
    public void Flip_alone_must_mirror_some_images_and_keep_others()
    {
        using var scope = NewDisposeScope();
        var images = Copies(16);
        var original = ImageAugmentation.ToUnitRange(images[0]);
        var mirrored = original.flip(2);
        var flipOnly = AugmentSettings.None with { HorizontalFlip = true };
        using var generator = new Generator(9);
        var views = ImageAugmentation.Augment(images, flipOnly, generator);
        int kept = 0, flipped = 0;
        for (var i = 0; i < 16; i++)
        {
            if (views[i].allclose(original, atol: 1e-5)) kept++;
            else if (views[i].allclose(mirrored, atol: 1e-5)) flipped++;
        }
        Assert.Equal(16, kept + flipped);
        Assert.InRange(kept, 1, 15);
    }

    [Fact]
    public void Channel_permutation_must_only_reorder_colour_channels()
    {
        using var scope = NewDisposeScope();
        var images = Copies(16);
        var original = ImageAugmentation.ToUnitRange(images[0]);
        var permuteOnly = AugmentSettings.None with { ChannelPermutationProbability = 1 };
        using var generator = new Generator(4);
        var views = ImageAugmentation.Augment(images, permuteOnly, generator);
        var orders = new HashSet<string>();
        for (var i = 0; i < 16; i++)
        {
            var order = new int[3];
            for (var c = 0; c < 3; c++)
            {
                order[c] = Enumerable.Range(0, 3).Single(k => views[i][c].eq(original[k]).all().item<bool>());
            }
            Assert.Equal([0, 1, 2], order.Order());
            orders.Add(string.Join("", order));
        }
        Assert.True(orders.Count > 1, "every image got the same channel order");
    }

    [Fact]
    public void None_must_only_normalise()
    {
        using var scope = NewDisposeScope();
        var images = Copies(2);
        using var generator = new Generator(1);
        var views = ImageAugmentation.AugmentAndNormalize(images, AugmentSettings.None, Normalization.ImageNet, generator);
        var mean = tensor(Normalization.ImageNet.Mean.ToArray()).view(1, 3, 1, 1);
        var std = tensor(Normalization.ImageNet.Std.ToArray()).view(1, 3, 1, 1);
        var expected = images.to(ScalarType.Float32).div(255).sub(mean).div(std);
        Assert.True(views.allclose(expected, atol: 1e-5));
        Assert.True(ImageAugmentation.Prepare(images, Normalization.ImageNet).allclose(expected, atol: 1e-5));
    }

    [Fact]
    public void Normalize_must_take_one_value_per_channel_or_one_for_all()
    {
        using var scope = NewDisposeScope();
        var gray = full(new long[] { 1, 1, 2, 2 }, 0.5f);
        Assert.True(ImageAugmentation.Normalize(gray, new Normalization([0.25f], [0.5f])).allclose(full(new long[] { 1, 1, 2, 2 }, 0.5f)));
        var error = Assert.Throws<ArgumentException>(() => ImageAugmentation.Normalize(gray, Normalization.ImageNet));
        Assert.Contains("1-channel", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_must_reject_out_of_range_values_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => (AugmentSettings.SimClr with { GrayscaleProbability = 1.5 }).Validate());
        Assert.Contains("grayscale", error.Message, StringComparison.Ordinal);
    }
}
