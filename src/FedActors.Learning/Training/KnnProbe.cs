using FedActors.Data;
using FedActors.Learning.Augmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace FedActors.Learning.Training;

/// <summary>
/// The standard monitor of self-supervised training: a weighted k-nearest-neighbour classifier on the backbone's
/// pooled features (Wu et al., 2018, "instance discrimination"), no training involved. Features of a labeled
/// <c>bank</c> and of the <c>queries</c> are L2-normalised; each query takes its <see cref="KnnSettings.K"/> most
/// cosine-similar bank images, each voting for its label with weight exp(similarity / <see cref="KnnSettings.Temperature"/>),
/// and predicts the label with the most weight. Images are only resized and normalised, never augmented.
/// </summary>
public static class KnnProbe
{
    /// <summary>Top-1 accuracy of the k-NN classifier on <paramref name="queries"/>, with <paramref name="bank"/> as its memory.</summary>
    /// <param name="backbone">A module from images to features [N, D]; run in eval mode without gradients.</param>
    public static double Accuracy(
        nn.Module<Tensor, Tensor> backbone, ImageDataset bank, ImageDataset queries, KnnSettings settings, Normalization normalization,
        Device device, int batchSize, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (bank.Count == 0) throw new ArgumentException($"k-NN probe: the bank '{bank.Name}' holds no images");
        if (queries.Count == 0) throw new ArgumentException($"k-NN probe: the queries '{queries.Name}' hold no images");
        if (bank.NumClasses != queries.NumClasses)
            throw new ArgumentException($"k-NN probe: bank '{bank.Name}' has {bank.NumClasses} classes, queries '{queries.Name}' {queries.NumClasses}");
        backbone.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var bankFeatures = Features(backbone, bank, normalization, device, batchSize, cancellation);
        var bankLabels = Batches.Labels(bank, Enumerable.Range(0, bank.Count).ToArray(), device);
        var k = Math.Min(settings.K, bank.Count);
        using var inverseTemperature = (1.0 / settings.Temperature).ToScalar();
        long correct = 0;
        foreach (var indices in Batches.Sequential(queries.Count, batchSize))
        {
            cancellation.ThrowIfCancellationRequested();
            using var step = NewDisposeScope();
            var q = Embed(backbone, queries, indices, normalization, device);
            var similarity = q.matmul(bankFeatures.t());
            var (values, neighbours) = similarity.topk(k, dim: 1);
            var votes = zeros([indices.Length, bank.NumClasses], dtype: ScalarType.Float32, device: device);
            votes.scatter_add_(1, bankLabels.index_select(0, neighbours.flatten()).view(indices.Length, k), values.mul(inverseTemperature).exp_());
            var predicted = votes.argmax(1);
            correct += predicted.eq(Batches.Labels(queries, indices, device)).sum().item<long>();
        }
        return (double)correct / queries.Count;
    }

    private static Tensor Features(
        nn.Module<Tensor, Tensor> backbone, ImageDataset data, Normalization normalization, Device device, int batchSize, CancellationToken cancellation)
    {
        var parts = new List<Tensor>();
        foreach (var indices in Batches.Sequential(data.Count, batchSize))
        {
            cancellation.ThrowIfCancellationRequested();
            parts.Add(Embed(backbone, data, indices, normalization, device));
        }
        return cat(parts, 0);
    }

    private static Tensor Embed(nn.Module<Tensor, Tensor> backbone, ImageDataset data, int[] indices, Normalization normalization, Device device)
    {
        using var scope = NewDisposeScope();
        var images = ImageAugmentation.Prepare(Batches.Images(data, indices, device), normalization);
        var features = backbone.call(images).to(ScalarType.Float32);
        return nn.functional.normalize(features, p: 2, dim: 1).MoveToOuterDisposeScope();
    }
}

/// <summary>The k-NN monitor of the SimCLR phase (<c>fedactors.simclr.knn</c>).</summary>
public sealed record KnnSettings
{
    /// <summary>Measure after every this-many SimCLR rounds and after the last; 0 = never.</summary>
    public int Every { get; init; } = 5;

    /// <summary>Neighbours that vote.</summary>
    public int K { get; init; } = 20;

    /// <summary>Temperature of the vote weights exp(similarity / T).</summary>
    public double Temperature { get; init; } = 0.07;

    public void Validate()
    {
        if (Every < 0) throw new ArgumentException($"k-NN monitor: every must be 0 or more, got {Every}");
        if (K < 1) throw new ArgumentException($"k-NN monitor: k must be positive, got {K}");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ArgumentException($"k-NN monitor: temperature must be positive, got {Temperature}");
    }
}
