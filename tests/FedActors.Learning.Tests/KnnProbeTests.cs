using FedActors.Core;
using FedActors.Data;
using FedActors.Learning.Augmentation;
using FedActors.Learning.Models;
using FedActors.Learning.Training;
using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

/// <summary>The k-NN monitor against a plain re-computation of its vote, and through a client's SimCLR evaluation.</summary>
[Collection("torch")]
public sealed class KnnProbeTests
{
    /// <summary>Features = the normalised pixels of a 4x4 image: the vote can be recomputed by hand.</summary>
    private sealed class Pixels : nn.Module<Tensor, Tensor>
    {
        public Pixels() : base("pixels") { }

        public override Tensor forward(Tensor input) => input.flatten(1);
    }

    [Theory]
    [InlineData(1, 0.07)]
    [InlineData(5, 0.07)]
    [InlineData(7, 0.5)]
    [InlineData(100, 0.1)]
    public void Accuracy_must_be_the_weighted_vote_of_the_k_most_similar_bank_images(int k, double temperature)
    {
        var bank = TestData.RandomImages("bank", 40, classes: 3, size: 4, seed: 5);
        var queries = TestData.RandomImages("queries", 25, classes: 3, size: 4, seed: 6);
        using var features = new Pixels();
        var settings = new KnnSettings { K = k, Temperature = temperature };

        var accuracy = KnnProbe.Accuracy(features, bank, queries, settings, Normalization.ImageNet, CPU, batchSize: 7);

        Assert.Equal(Reference(bank, queries, Math.Min(k, bank.Count), temperature), accuracy, 12);
    }

    [Fact]
    public void Accuracy_must_find_classes_that_sit_apart()
    {
        // Class 0 images are bright in red, class 1 in blue: each query's neighbours are its own class.
        ImageDataset Coloured(string name, int count, int seed)
        {
            var random = new Random(seed);
            var pixels = new byte[count * 3 * 4 * 4];
            var labels = new int[count];
            for (var i = 0; i < count; i++)
            {
                labels[i] = i % 2;
                for (var p = 0; p < 48; p++) pixels[i * 48 + p] = (byte)((p / 16 == 2 * labels[i]) ? 200 + random.Next(50) : random.Next(40));
            }
            return new ImageDataset(name, ["red", "blue"], 3, 4, 4, pixels, labels);
        }
        using var features = new Pixels();
        Assert.Equal(1.0, KnnProbe.Accuracy(features, Coloured("bank", 20, 1), Coloured("queries", 30, 2), new KnnSettings { K = 5 }, Normalization.ImageNet, CPU, 8));
    }

    [Fact]
    public void SimClr_evaluation_must_report_the_knn_monitor_of_every_probe()
    {
        var global = ModelFactory.InitialGlobal(TestData.TinySpec, new Dictionary<string, int> { ["shapes"] = 4, ["scenes"] = 6 }, 1);
        var settings = new LearningSettings { EvalBatchSize = 5 };
        var own = TestData.Client();
        using var single = new TorchClient(own, TestData.TinySpec, settings, runSeed: 7, CPU);
        var scenes = new ProbeSet("scenes", TestData.RandomImages("scenes-bank", 12, 6, seed: 8), TestData.RandomImages("scenes-q", 9, 6, seed: 9));
        var pooled = own with { ClientId = "central", Task = "all", Probes = [new ProbeSet("shapes", own.Labeled, own.Evaluation), scenes] };
        using var central = new TorchClient(pooled, TestData.TinySpec, settings, runSeed: 7, CPU);

        var alone = single.Evaluate(new EvaluateIns(5, Phases.SimClr, global, new Dictionary<string, string>()), CancellationToken.None);
        var both = central.Evaluate(new EvaluateIns(5, Phases.SimClr, global, new Dictionary<string, string>()), CancellationToken.None);

        Assert.Equal([MetricNames.Knn], alone.Metrics.Keys);
        Assert.InRange(alone.Metrics[MetricNames.Knn], 0, 1);
        Assert.Equal(own.Evaluation.Count, alone.NumExamples);
        Assert.Equal(["knn/scenes", "knn/shapes"], both.Metrics.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(alone.Metrics[MetricNames.Knn], both.Metrics["knn/shapes"]); // the same probe gives the same value
        Assert.Equal(own.Evaluation.Count + 9, both.NumExamples);
    }

    /// <summary>The monitor's definition in plain doubles: cosine similarities, top k, weights exp(s / T), arg max.</summary>
    private static double Reference(ImageDataset bank, ImageDataset queries, int k, double temperature)
    {
        double[] Feature(ImageDataset d, int i)
        {
            var image = d.Image(i);
            var mean = Normalization.ImageNet.Mean;
            var std = Normalization.ImageNet.Std;
            var plane = d.Height * d.Width;
            var x = new double[image.Length];
            for (var p = 0; p < image.Length; p++) x[p] = (image[p] / 255.0 - mean[p / plane]) / std[p / plane];
            var norm = Math.Sqrt(x.Sum(v => v * v));
            return [.. x.Select(v => v / norm)];
        }
        var bankFeatures = Enumerable.Range(0, bank.Count).Select(i => Feature(bank, i)).ToList();
        var hits = 0;
        for (var q = 0; q < queries.Count; q++)
        {
            var f = Feature(queries, q);
            var votes = new double[bank.NumClasses];
            foreach (var (similarity, index) in bankFeatures.Select((b, i) => (b.Zip(f, (u, v) => u * v).Sum(), i)).OrderByDescending(s => s.Item1).Take(k))
                votes[bank.Labels[index]] += Math.Exp(similarity / temperature);
            if (Array.IndexOf(votes, votes.Max()) == queries.Labels[q]) hits++;
        }
        return (double)hits / queries.Count;
    }
}
