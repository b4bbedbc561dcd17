using static TorchSharp.torch;

namespace FedActors.Learning.Tests;

/// <summary>Guards against the wrong oneDNN kernels of this project's virtual CPUs (see <see cref="TorchRuntime"/>).</summary>
[Collection("torch")]
public sealed class CpuKernelTests
{
    [Theory]
    [InlineData(8, 8, 32)]
    [InlineData(16, 16, 64)]
    public void Conv_backward_must_match_a_float64_reference(int channels, int size, int batch)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1);
        var weight = randn([channels, channels, 3, 3], generator: generator).requires_grad_(true);
        var input = randn([batch, channels, size, size], generator: generator).requires_grad_(true);
        var upstream = randn([batch, channels, size, size], generator: generator);
        nn.functional.conv2d(input, weight, padding: [1, 1]).backward([upstream]);

        var weight64 = weight.detach().to(ScalarType.Float64).requires_grad_(true);
        var input64 = input.detach().to(ScalarType.Float64).requires_grad_(true);
        nn.functional.conv2d(input64, weight64, padding: [1, 1]).backward([upstream.to(ScalarType.Float64)]);

        Assert.True(input.grad!.to(ScalarType.Float64).allclose(input64.grad!, rtol: 1e-4, atol: 1e-4), "conv backward-data is wrong");
        Assert.True(weight.grad!.to(ScalarType.Float64).allclose(weight64.grad!, rtol: 1e-4, atol: 1e-3), "conv backward-weights is wrong");
    }

    [Fact]
    public void OneDnn_must_be_capped_unless_the_user_chose_an_isa()
    {
        if (!OperatingSystem.IsLinux()) return;
        Assert.False(string.IsNullOrEmpty(Environment.GetEnvironmentVariable(TorchRuntime.OneDnnIsaVariable)));
    }
}
