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
