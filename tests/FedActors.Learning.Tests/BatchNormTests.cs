using FedActors.Learning.Models;
using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

/// <summary>The project's BatchNorm (see <see cref="BatchNorm"/> for why it replaces TorchSharp's) against TorchSharp's own.</summary>
[Collection("torch")]
public sealed class BatchNormTests
{
    [Fact]
    public void BatchNorm2d_must_match_torchsharp_in_training_and_eval_and_count_batches()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        using var ours = BatchNorm.For2d(5);
        using var theirs = nn.BatchNorm2d(5);
        using (no_grad())
        {
            ours.weight.copy_(rand([5], generator: generator));
            theirs.weight.copy_(ours.weight);
        }

        for (var step = 0; step < 3; step++)
        {
            var x = randn([4, 5, 3, 3], generator: generator).mul_(2).add_(1);
            Assert.True(ours.call(x).allclose(theirs.call(x), rtol: 1e-5, atol: 1e-6), $"training output differs at step {step}");
        }
        Assert.True(ours.running_mean!.allclose(theirs.running_mean!), "running_mean differs");
        Assert.True(ours.running_var!.allclose(theirs.running_var!), "running_var differs");
        Assert.Equal(3L, ours.num_batches_tracked!.item<long>());
        Assert.Equal(ScalarType.Int64, ours.num_batches_tracked!.dtype);

        ours.eval();
        theirs.eval();
        var y = randn([2, 5, 3, 3], generator: generator);
        Assert.True(ours.call(y).allclose(theirs.call(y), rtol: 1e-5, atol: 1e-6), "eval output differs");
        Assert.Equal(3L, ours.num_batches_tracked!.item<long>());
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Low_precision_input_must_be_normalised_with_float32_statistics_and_keep_its_type(ScalarType low)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        using var mixed = BatchNorm.For2d(6);
        using var reference = BatchNorm.For2d(6);
        using (no_grad())
        {
            mixed.weight!.copy_(rand([6], generator: generator).add_(0.5));
            mixed.bias!.copy_(randn([6], generator: generator));
            reference.weight!.copy_(mixed.weight!);
            reference.bias!.copy_(mixed.bias!);
        }

        for (var step = 0; step < 3; step++)
        {
            var x = randn([8, 6, 5, 5], generator: generator).mul_(3).add_(2).to(low).requires_grad_();
            var xReference = x.detach().to(ScalarType.Float32).requires_grad_();
            var y = mixed.call(x);
            var yReference = reference.call(xReference);
            Assert.Equal(low, y.dtype);
            Assert.True(y.to(ScalarType.Float32).allclose(yReference, rtol: 2e-2, atol: 2e-2), $"output differs at step {step}");
            var upstream = randn([8, 6, 5, 5], generator: generator);
            y.backward([upstream.to(low)]);
            yReference.backward([upstream]);
            Assert.Equal(low, x.grad!.dtype);
            Assert.True(x.grad!.to(ScalarType.Float32).allclose(xReference.grad!, rtol: 5e-2, atol: 5e-2), $"input gradient differs at step {step}");
            Assert.True(mixed.weight!.grad!.allclose(reference.weight!.grad!, rtol: 5e-2, atol: 5e-2), $"weight gradient differs at step {step}");
        }
        Assert.Equal(ScalarType.Float32, mixed.running_mean!.dtype);
        Assert.Equal(ScalarType.Float32, mixed.running_var!.dtype);
        Assert.True(mixed.running_mean!.allclose(reference.running_mean!, rtol: 1e-2, atol: 1e-2), "running_mean differs");
        Assert.True(mixed.running_var!.allclose(reference.running_var!, rtol: 1e-2, atol: 1e-2), "running_var differs");
    }

    [Fact]
    public void BatchNorm_must_keep_torchvision_state_dict_names_and_reject_wrong_rank()
    {
        using var bn = BatchNorm.For1d(3);
        Assert.Equal(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"],
            bn.state_dict().Keys.OrderBy(KeyOrder).ToArray());
        using var x = zeros([2, 3, 4]);
        var error = Assert.Throws<ArgumentException>(() => bn.call(x));
        Assert.Contains("2-D", error.Message, StringComparison.Ordinal);
    }

    private static int KeyOrder(string key) => key switch
    {
        "weight" => 0,
        "bias" => 1,
        "running_mean" => 2,
        "running_var" => 3,
        _ => 4,
    };
}
