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

    [Theory]
    [InlineData(OptimizerKind.Sgd, 0.0)]
    [InlineData(OptimizerKind.Sgd, 0.9)]
    [InlineData(OptimizerKind.AdamW, 0.0)]
    public void Weight_decay_toward_an_anchor_must_pull_each_parameter_toward_it(OptimizerKind kind, double momentum)
    {
        // No gradient from the loss (its derivative is 0): the step is the decay alone, p - rate * decay * (p - anchor), for
        // SGD's L2 term on the first step (its momentum buffer starts as the direction) and AdamW's decoupled decay (Adam's
        // own step is 0 with a zero gradient).
        using var parameter = new Parameter(tensor(new float[] { 1, 2, -4 }));
        using var anchor = tensor(new float[] { 3, 3, 3 });
        var phase = new PhaseSettings { Optimizer = kind, Momentum = momentum, WeightDecay = 0.5 };
        using var optimizer = Optimizers.Create([parameter], phase, 0.1, decayAnchors: [anchor]);
        using (var scope = NewDisposeScope())
        {
            parameter.mul(0).sum().backward();
        }
        optimizer.Step();
        Assert.Equal(new float[] { 1.1f, 2.05f, -3.65f }, parameter.data<float>().ToArray(), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void Adam_must_add_the_anchored_l2_term_to_the_gradient()
    {
        // Adam's first step moves each parameter by the rate against the sign of its gradient, here decay * (p - anchor).
        using var parameter = new Parameter(tensor(new float[] { 1, 5 }));
        using var anchor = tensor(new float[] { 3, 3 });
        using var optimizer = Optimizers.Create([parameter], new PhaseSettings { Optimizer = OptimizerKind.Adam, WeightDecay = 0.5 }, 0.1, decayAnchors: [anchor]);
        using (var scope = NewDisposeScope())
        {
            parameter.mul(0).sum().backward();
        }
        optimizer.Step();
        Assert.Equal(new float[] { 1.1f, 4.9f }, parameter.data<float>().ToArray(), new FloatTolerance(1e-5f));
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.AdamW)]
    public void An_anchor_at_zero_must_give_plain_weight_decay(OptimizerKind kind)
    {
        using var generator = new Generator(5);
        using var input = randn([16, 4], generator: generator);
        using var plain = nn.Linear(4, 2);
        using var anchored = nn.Linear(4, 2);
        anchored.load_state_dict(plain.state_dict());
        var phase = new PhaseSettings { Optimizer = kind, WeightDecay = 0.05 };
        var zeros = anchored.parameters().Select(p => (Tensor?)zeros_like(p)).ToList();
        using var plainOptimizer = Optimizers.Create(plain.parameters(), phase, 0.05);
        using var anchoredOptimizer = Optimizers.Create(anchored.parameters(), phase, 0.05, decayAnchors: zeros);
        for (var step = 0; step < 3; step++)
        {
            foreach (var (model, optimizer) in new[] { (plain, plainOptimizer), (anchored, anchoredOptimizer) })
            {
                using var scope = NewDisposeScope();
                optimizer.ZeroGrad();
                model.call(input).square().mean().backward();
                optimizer.Step();
            }
        }
        Assert.True(plain.weight!.allclose(anchored.weight!, rtol: 1e-6, atol: 1e-7));
        Assert.True(plain.bias!.allclose(anchored.bias!, rtol: 1e-6, atol: 1e-7));
        foreach (var t in zeros) t!.Dispose();
    }

    [Fact]
    public void An_anchor_of_another_shape_must_be_refused()
    {
        using var parameter = new Parameter(zeros(3));
        using var anchor = zeros(4);
        var ex = Assert.Throws<ArgumentException>(() => Optimizers.Create([parameter], new PhaseSettings(), 0.1, decayAnchors: [anchor]));
        Assert.Contains("anchor 0", ex.Message, StringComparison.Ordinal);
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
