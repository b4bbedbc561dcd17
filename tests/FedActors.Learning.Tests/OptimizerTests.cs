using FedActors.Learning.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace FedActors.Learning.Tests;

/// <summary>The project's optimisers (see <see cref="LocalOptimizer"/>) against TorchSharp's, step by step.</summary>
[Collection("torch")]
public sealed class OptimizerTests
{
    [Theory]
    [InlineData(OptimizerKind.Sgd, 0.0, 0.0)]
    [InlineData(OptimizerKind.Sgd, 0.9, 0.01)]
    [InlineData(OptimizerKind.Adam, 0.0, 0.0)]
    [InlineData(OptimizerKind.Adam, 0.0, 0.05)]
    [InlineData(OptimizerKind.AdamW, 0.0, 0.05)]
    public void Updates_must_match_torchsharp_optimizers(OptimizerKind kind, double momentum, double weightDecay)
    {
        using var generator = new Generator(11);
        using var input = randn([32, 6], generator: generator);
        using var target = randn([32, 3], generator: generator);
        using var ours = nn.Linear(6, 3);
        using var theirs = nn.Linear(6, 3);
        theirs.load_state_dict(ours.state_dict());

        var phase = new PhaseSettings { Optimizer = kind, Momentum = momentum, WeightDecay = weightDecay };
        using var optimizer = Optimizers.Create(ours.parameters(), phase, 0.05);
        using optim.Optimizer reference = kind switch
        {
            OptimizerKind.Sgd => optim.SGD(theirs.parameters(), 0.05, momentum: momentum, weight_decay: weightDecay),
            OptimizerKind.Adam => optim.Adam(theirs.parameters(), 0.05, weight_decay: weightDecay),
            _ => optim.AdamW(theirs.parameters(), 0.05, weight_decay: weightDecay),
        };

        for (var step = 0; step < 6; step++)
        {
            var rate = 0.05 * (1 - step / 10.0);
            optimizer.LearningRate = rate;
            foreach (var group in reference.ParamGroups) group.LearningRate = rate;
            Train(ours, optimizer.ZeroGrad, optimizer.Step);
            Train(theirs, reference.zero_grad, () => reference.step());
            foreach (var (name, ourParameter) in ours.named_parameters())
            {
                var theirParameter = theirs.get_parameter(name)!;
                Assert.True(ourParameter.allclose(theirParameter, rtol: 1e-5, atol: 1e-6),
                    $"{kind} step {step}: '{name}' differs by {ourParameter.sub(theirParameter).abs().max().item<float>()}");
            }
        }

        void Train(Linear model, Action zeroGrad, Action update)
        {
            using var scope = NewDisposeScope();
            zeroGrad();
            F.mse_loss(model.call(input), target).backward();
            update();
        }
    }

    [Fact]
    public void A_parameter_without_gradient_must_stay_unchanged()
    {
        using var frozen = nn.Linear(4, 2);
        using var trained = nn.Linear(4, 2);
        using var before = frozen.weight!.clone();
        using var trainedBefore = trained.weight!.clone();
        using var optimizer = Optimizers.Create(frozen.parameters().Concat(trained.parameters()), new PhaseSettings(), 0.1);
        using (var scope = NewDisposeScope())
        {
            trained.call(ones([3, 4])).sum().backward();
        }
        optimizer.Step();
        Assert.True(frozen.weight!.allclose(before, rtol: 0, atol: 0), "a parameter without a gradient was updated");
        Assert.False(trained.weight!.allclose(trainedBefore, rtol: 0, atol: 0), "the parameter with a gradient was not updated");
    }
}
