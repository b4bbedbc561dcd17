using FedActors.Core;
using FedActors.Learning.Models;
using FedActors.Learning.Training;
using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

/// <summary>FedProx's proximal term and the label-flipping attacker, on the client side.</summary>
[Collection("torch")]
public sealed class ProximalTermTests
{
    private static readonly Dictionary<string, string> Config = new() { ["total-rounds"] = "3" };

    [Fact]
    public void Proximal_term_must_be_half_mu_times_the_squared_distance_to_the_start()
    {
        using var a = new TorchSharp.Modules.Parameter(tensor(new float[] { 1f, 2f }));
        using var b = new TorchSharp.Modules.Parameter(tensor(new float[] { 3f }));
        using var term = new ProximalTerm([a, b], mu: 0.5);
        Assert.Equal(0f, term.Value().item<float>());
        using (no_grad())
        {
            a.add_(tensor(new float[] { 1f, -2f }));
            b.add_(tensor(new float[] { 3f }));
        }
        using var value = term.Value();
        Assert.Equal(0.25f * (1 + 4 + 9), value.item<float>(), 5);
        value.backward();
        Assert.Equal([0.5f, -1f], a.grad!.data<float>().ToArray()); // mu * (w - w0)
    }

    [Fact]
    public void FedProx_fit_must_stay_nearer_the_global_than_a_plain_fit()
    {
        var global = ModelFactory.InitialGlobal(TestData.TinySpec, new Dictionary<string, int> { ["shapes"] = 4 }, 1);
        var settings = new LearningSettings { Supervised = new PhaseSettings { BatchSize = 8, LocalEpochs = 3, LearningRate = 0.05 } };
        using var client = new TorchClient(TestData.Client(), TestData.TinySpec, settings, runSeed: 7, CPU);

        var plain = client.Fit(new FitIns(1, Phases.Supervised, global, Config), CancellationToken.None);
        var prox = client.Fit(new FitIns(1, Phases.Supervised, global,
            new Dictionary<string, string>(Config) { ["proximal-mu"] = "50" }), CancellationToken.None);

        var plainDistance = UpdateValidation.DeltaNorm(global, plain.Weights.Where(n => !n.EndsWith("num_batches_tracked", StringComparison.Ordinal)));
        var proxDistance = UpdateValidation.DeltaNorm(global, prox.Weights.Where(n => !n.EndsWith("num_batches_tracked", StringComparison.Ordinal)));
        Assert.True(proxDistance < 0.8 * plainDistance, $"FedProx moved {proxDistance:G4}, the plain fit {plainDistance:G4}");
    }

    [Fact]
    public void Label_flipping_fit_must_learn_other_labels()
    {
        var global = ModelFactory.InitialGlobal(TestData.TinySpec, new Dictionary<string, int> { ["shapes"] = 4 }, 1);
        var settings = new LearningSettings { Supervised = new PhaseSettings { BatchSize = 8, LocalEpochs = 1 } };
        using var client = new TorchClient(TestData.Client(), TestData.TinySpec, settings, runSeed: 7, CPU);

        var honest = client.Fit(new FitIns(1, Phases.Supervised, global, Config), CancellationToken.None);
        var flipped = client.Fit(new FitIns(1, Phases.Supervised, global, new Dictionary<string, string>(Config) { ["label-flip"] = "true" }), CancellationToken.None);

        Assert.NotEqual(honest.Weights.ContentHash(), flipped.Weights.ContentHash());
        Assert.Throws<FormatException>(() => client.Fit(new FitIns(1, Phases.Supervised, global,
            new Dictionary<string, string>(Config) { ["label-flip"] = "maybe" }), CancellationToken.None));
    }
}
