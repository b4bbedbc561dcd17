using System.Security.Cryptography;
using FedActors.Data.Synthetic;

namespace FedActors.Data.Tests;

public class SyntheticTasksTests
{
    private static readonly SyntheticSpec Spec = new();

    [Theory]
    [InlineData(SyntheticTasks.Shapes)]
    [InlineData(SyntheticTasks.Textures)]
    public void Generate_must_give_identical_bytes_for_one_seed(string task)
    {
        var a = SyntheticTasks.Generate(Spec, task, 200, seed: 7);
        var b = SyntheticTasks.Generate(Spec, task, 200, seed: 7);
        Assert.Equal(a.Pixels, b.Pixels);
        Assert.Equal(a.Labels, b.Labels);
    }

    [Fact]
    public void Generate_must_pin_its_bytes_across_processes()
    {
        // The synthetic data is part of every reported number: a change of these bytes is a change of the
        // benchmark. If you change the generator on purpose, update the hashes and say so in the commit.
        var shapes = SyntheticTasks.Generate(Spec, SyntheticTasks.Shapes, 64, seed: 1);
        var textures = SyntheticTasks.Generate(Spec, SyntheticTasks.Textures, 64, seed: 1);
        Assert.Equal(PinnedShapes, Hash(shapes));
        Assert.Equal(PinnedTextures, Hash(textures));
    }

    private const string PinnedShapes = "C87A9DC9B1F9C019";
    private const string PinnedTextures = "D8A469A3E290C764";

    [Fact]
    public void Generate_must_differ_between_seeds_and_tasks()
    {
        var a = SyntheticTasks.Generate(Spec, SyntheticTasks.Shapes, 50, seed: 1);
        var b = SyntheticTasks.Generate(Spec, SyntheticTasks.Shapes, 50, seed: 2);
        var c = SyntheticTasks.Generate(Spec, SyntheticTasks.Textures, 50, seed: 1);
        Assert.NotEqual(a.Pixels, b.Pixels);
        Assert.NotEqual(a.Pixels, c.Pixels);
        for (var i = 0; i < a.Count; i++)
            Assert.False(a.Image(i).SequenceEqual(b.Image(i)), $"image {i} is the same under two seeds");
    }

    [Theory]
    [InlineData(SyntheticTasks.Shapes, 10)]
    [InlineData(SyntheticTasks.Textures, 6)]
    public void Generate_must_balance_labels_within_the_label_space(string task, int classes)
    {
        var data = SyntheticTasks.Generate(Spec, task, 103, seed: 3);
        Assert.Equal(classes, data.NumClasses);
        Assert.Equal(classes, SyntheticTasks.ClassNames(task).Count);
        var counts = new int[classes];
        foreach (var label in data.Labels) counts[label]++;
        Assert.All(counts, n => Assert.InRange(n, 103 / classes, 103 / classes + 1));
        Assert.Equal(103, counts.Sum());
    }

    [Fact]
    public void Generate_must_lay_out_uint8_rgb_channels_first_at_the_spec_size()
    {
        var data = SyntheticTasks.Generate(Spec with { ImageSize = 48 }, SyntheticTasks.Textures, 5, seed: 1);
        Assert.Equal((3, 48, 48), (data.Channels, data.Height, data.Width));
        Assert.Equal(5 * 3 * 48 * 48, data.Pixels.Length);
        Assert.Equal("synthetic-textures", data.Name);
    }

    [Fact]
    public void Generate_must_draw_images_with_visible_structure_and_varied_colour()
    {
        var data = SyntheticTasks.Generate(Spec, SyntheticTasks.Shapes, 40, seed: 5);
        var plane = data.Height * data.Width;
        var means = new List<double>();
        for (var i = 0; i < data.Count; i++)
        {
            var image = data.Image(i);
            var red = image[..plane].ToArray().Select(b => (double)b).ToArray();
            var mean = red.Average();
            var std = Math.Sqrt(red.Average(v => (v - mean) * (v - mean)));
            Assert.True(std > 5, $"image {i} looks flat (red std {std:F1})");
            means.Add(mean);
        }
        // Colours are random per image, not per class: mean red spreads widely.
        Assert.True(means.Max() - means.Min() > 60, $"mean red only spans {means.Min():F0}..{means.Max():F0}");
    }

    [Fact]
    public void Generate_must_render_the_same_scene_whatever_the_label_role_without_noise()
    {
        // Hard edges and no noise: images are still fully determined and well formed.
        var spec = Spec with { AntiAlias = false, PixelNoise = 0 };
        var a = SyntheticTasks.Generate(spec, SyntheticTasks.Shapes, 30, seed: 9);
        var b = SyntheticTasks.Generate(spec, SyntheticTasks.Shapes, 30, seed: 9);
        Assert.Equal(a.Pixels, b.Pixels);
    }

    [Fact]
    public void Generate_must_reject_unknown_tasks_and_bad_specs()
    {
        Assert.Throws<ArgumentException>(() => SyntheticTasks.Generate(Spec, "flowers", 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticTasks.Generate(Spec with { ImageSize = 4 }, SyntheticTasks.Shapes, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => SyntheticTasks.Generate(Spec with { ShapeScaleMin = 0.4, ShapeScaleMax = 0.3 }, SyntheticTasks.Shapes, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticTasks.Generate(Spec, SyntheticTasks.Shapes, -1, 0));
    }

    [Fact]
    public void Client_must_split_its_images_and_evaluate_on_the_unlabeled_part()
    {
        var client = SyntheticTasks.Client(Spec, "client-1", SyntheticTasks.Textures, 120, 0.25, seed: 4);
        Assert.Equal(30, client.Labeled.Count);
        Assert.Equal(90, client.Unlabeled.Count);
        Assert.Same(client.Unlabeled, client.Evaluation);
        Assert.Equal(6, client.NumClasses);
        var other = SyntheticTasks.Client(Spec, "client-2", SyntheticTasks.Textures, 120, 0.25, seed: 4);
        Assert.NotEqual(client.Labeled.Pixels, other.Labeled.Pixels);
    }

    private static string Hash(ImageDataset data)
    {
        var labels = data.Labels.SelectMany(BitConverter.GetBytes).ToArray();
        return Convert.ToHexString(SHA256.HashData(data.Pixels.Concat(labels).ToArray()))[..16];
    }
}
