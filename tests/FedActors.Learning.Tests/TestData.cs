using FedActors.Data;
using FedActors.Learning.Models;

namespace FedActors.Learning.Tests;

internal static class TestData
{
    /// <summary>A backbone small enough for many CPU steps per second.</summary>
    public static BackboneSpec TinySpec { get; } = new()
    {
        Architecture = ResNetArchitecture.ResNet18,
        Stem = StemKind.SmallStrided,
        Width = 0.125,
        Blocks = [1, 1, 1, 1],
        ProjectionDim = 16,
    };

    public static ImageDataset RandomImages(string name, int count, int classes, int size = 16, int seed = 1, int channels = 3)
    {
        var random = new Random(seed);
        var pixels = new byte[count * channels * size * size];
        random.NextBytes(pixels);
        var labels = Enumerable.Range(0, count).Select(i => i % classes).ToArray();
        var classNames = Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray();
        return new ImageDataset(name, classNames, channels, size, size, pixels, labels);
    }

    public static ClientData Client(string id = "client-a", string task = "shapes", int classes = 4) => new(
        id,
        task,
        RandomImages("labeled", 16, classes, seed: 2),
        RandomImages("unlabeled", 24, classes, seed: 3),
        RandomImages("evaluation", 12, classes, seed: 4));
}
