using FedActors.Core;

namespace FedActors.Data.Synthetic;

/// <summary>
/// The embedded synthetic tasks: no files, every image a pure function of (spec, task, seed, index).
/// Both tasks draw from one image distribution (a shape over a textured background) and differ only in
/// the label: <see cref="Shapes"/> labels the shape (10 classes), <see cref="Textures"/> the background
/// (6 classes). So the tasks have different label spaces but share visual primitives, and what one task
/// labels is nuisance for the other, as with the paper's flowers and scenes.
/// </summary>
public static class SyntheticTasks
{
    public const string Shapes = "shapes";
    public const string Textures = "textures";

    public static IReadOnlyList<string> Names { get; } = [Shapes, Textures];

    private static readonly string[] ShapeNames = Enum.GetValues<ShapeKind>().Select(ShapeGeometry.Name).ToArray();
    private static readonly string[] TextureNames = Enum.GetValues<TextureKind>().Select(TextureGeometry.Name).ToArray();

    /// <summary>Class names of a task, in label order.</summary>
    public static IReadOnlyList<string> ClassNames(string task) => task switch
    {
        Shapes => ShapeNames,
        Textures => TextureNames,
        _ => throw UnknownTask(task),
    };

    /// <summary>
    /// <paramref name="count"/> images of <paramref name="task"/>, uint8 RGB N x 3 x S x S. Labels are
    /// balanced (each class count/classes, the first count % classes classes one more) in seeded random
    /// order; the nuisance attribute is uniform. Identical bytes for identical arguments in any process;
    /// images render in parallel, each from its own derived seed.
    /// </summary>
    public static ImageDataset Generate(SyntheticSpec spec, string task, int count, long seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var classNames = ClassNames(task);
        ArgumentOutOfRangeException.ThrowIfNegative(count);

        var labels = BalancedLabels(count, classNames.Count, Seeds.Derive32(seed, "synthetic-labels", task));
        var imageSize = 3 * spec.ImageSize * spec.ImageSize;
        var pixels = new byte[(long)count * imageSize];
        var isShapes = task == Shapes;

        Parallel.For(0, count, i =>
        {
            var rng = new Random(Seeds.Derive32(seed, "synthetic-image", task, i));
            var shape = isShapes ? (ShapeKind)labels[i] : (ShapeKind)rng.Next(ShapeGeometry.Count);
            var texture = isShapes ? (TextureKind)rng.Next(TextureGeometry.Count) : (TextureKind)labels[i];
            SyntheticImage.Render(spec, shape, texture, rng, pixels.AsSpan((int)((long)i * imageSize), imageSize));
        });

        return new ImageDataset($"synthetic-{task}", classNames, 3, spec.ImageSize, spec.ImageSize, pixels, labels);
    }

    /// <summary>
    /// One client's data for a synthetic task: <paramref name="count"/> images generated from a seed
    /// derived from (seed, client), split per class into labeled/unlabeled; evaluated on the unlabeled
    /// split as in the paper.
    /// </summary>
    public static ClientData Client(SyntheticSpec spec, string clientId, string task, int count, double labeledFraction, long seed)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        var all = Generate(spec, task, count, Seeds.Derive(seed, "synthetic-client", clientId));
        var (labeled, unlabeled) = Splits.Stratified(all.Labels, labeledFraction, Seeds.Derive(seed, "split", clientId));
        var unlabeledSet = all.Subset(unlabeled, $"{all.Name}-{clientId}-unlabeled");
        return new ClientData(clientId, task, all.Subset(labeled, $"{all.Name}-{clientId}-labeled"), unlabeledSet, unlabeledSet);
    }

    private static int[] BalancedLabels(int count, int classes, int seed)
    {
        var labels = new int[count];
        for (var i = 0; i < count; i++) labels[i] = i % classes;
        Splits.Shuffle(labels, new Random(seed));
        return labels;
    }

    private static ArgumentException UnknownTask(string task) =>
        new($"unknown synthetic task '{task}'; known: {string.Join(", ", Names)}", nameof(task));
}
